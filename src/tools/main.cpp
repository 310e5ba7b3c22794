// finwait: one command, many subcommands (DESIGN.md "Commands").
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "tools/command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "finwait: a user-space TCP/IP stack in which every connection reaches CLOSED within a bound "
      "an operator chose.",
      "finwait"};
  app.set_version_flag("--version", std::string("finwait ") + FINWAIT_VERSION);
  app.require_subcommand(1);

  finwait::tools::CommandResult result;
  finwait::tools::add_no_command(app, result);
  finwait::tools::add_pcap_command(app, result);
  finwait::tools::add_script_command(app, result);
  finwait::tools::add_sim_command(app, result);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Bad usage: one clear message and exit status 2, as for any bad input.
    app.exit(e);
    return 2;
  }
  return result.exit_status;
}
