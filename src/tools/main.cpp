// finwait: one command, many subcommands (DESIGN.md "Commands").
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <system_error>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "base/quote.h"
#include "tools/command.h"

namespace {

// Descriptors 0, 1 and 2 that are closed are filled with /dev/null, so that
// no file the command opens can take their numbers (and receive its output).
// Returns whether standard output was closed.
bool fill_closed_standard_descriptors() {
  bool stdout_closed = false;
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    if (fd == 1) stdout_closed = true;
    const int opened = ::open("/dev/null", O_RDWR);
    if (opened >= 0 && opened != fd) {
      ::dup2(opened, fd);
      ::close(opened);
    }
  }
  return stdout_closed;
}

// Everything printed must reach standard output: a full disk, a closed pipe
// or a full device is an error with a message, never a silent success.
int finish_output(int status) {
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    fmt::print(stderr, "finwait: cannot write to standard output: {}\n", std::strerror(errno));
    return status == 0 ? 1 : status;
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  // A reader that goes away (EPIPE) and a file size limit (EFBIG) become
  // errors that the command reports, not signals that kill it.
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
  if (fill_closed_standard_descriptors()) {
    fmt::print(stderr, "finwait: standard output is closed; nothing was run\n");
    return 2;
  }

  CLI::App app{
      "finwait: a user-space TCP/IP stack in which every connection reaches CLOSED within a bound "
      "an operator chose.",
      "finwait"};
  app.set_version_flag("--version", std::string("finwait ") + FINWAIT_VERSION);
  app.require_subcommand(1);

  finwait::tools::CommandResult result;
  finwait::tools::add_client_commands(app, result);
  finwait::tools::add_netstat_command(app, result);
  finwait::tools::add_no_command(app, result);
  finwait::tools::add_pcap_command(app, result);
  finwait::tools::add_scan_command(app, result);
  finwait::tools::add_script_command(app, result);
  finwait::tools::add_serve_command(app, result);
  finwait::tools::add_sim_command(app, result);

  // A word where a subcommand belongs that names none: say which there are
  // (CLI11 would only say that one is required).
  CLI::App* level = &app;
  for (int i = 1; i < argc && argv[i][0] != '-'; ++i) {
    if (level->get_require_subcommand_min() == 0) break;
    CLI::App* next = nullptr;
    std::string choices;
    for (CLI::App* sub : level->get_subcommands({})) {
      if (sub->get_name() == argv[i]) next = sub;
      choices += fmt::format("{}{}", choices.empty() ? "" : ", ", sub->get_name());
    }
    if (next == nullptr) {
      fmt::print(stderr, "{}: unknown command '{}' (choices: {}; --help for more)\n", level->get_name(),
                 finwait::quote_for_message(argv[i]), choices);
      return 2;
    }
    level = next;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return finish_output(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    return finish_output(app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    return finish_output(app.exit(e));
  } catch (const CLI::ExtrasError& e) {
    // An unknown option or argument: name it, and the options there are.
    CLI::App* where = &app;
    std::string command = "finwait";
    while (true) {
      auto chosen = where->get_subcommands();
      if (chosen.empty()) break;
      where = chosen.front();
      command += " " + where->get_name();
    }
    std::string options;
    for (const CLI::Option* option : where->get_options()) {
      const std::string name = option->get_name(false, true);
      // The long spelling of each: "-o,--output" is --output.
      if (name.starts_with("-")) options += fmt::format("{}{}", options.empty() ? "" : ", ", name.substr(name.rfind(',') + 1));
    }
    fmt::print(stderr, "{}: {} (options: {})\n", command, finwait::quote_for_message(e.what(), 200), options);
    return 2;
  } catch (const CLI::ParseError& e) {
    // Bad usage: one clear message and exit status 2, as for any bad input.
    app.exit(e);
    return 2;
  } catch (const std::system_error& e) {
    // fmt reports a failed write to standard output this way.
    fmt::print(stderr, "finwait: cannot write to standard output: {}\n", std::strerror(e.code().value()));
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "finwait: {}\n", e.what());
    return 1;
  }
  return finish_output(result.exit_status);
}
