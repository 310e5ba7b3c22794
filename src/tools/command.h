// Each subcommand registers itself on the top-level app and, when chosen,
// leaves its exit status here: 0 success, 1 failure, 2 bad input.
#pragma once

namespace CLI {
class App;
}

namespace finwait::tools {

struct CommandResult {
  int exit_status = 0;
};

void add_client_commands(CLI::App& app, CommandResult& result);  // fetch, probe
void add_netstat_command(CLI::App& app, CommandResult& result);
void add_no_command(CLI::App& app, CommandResult& result);
void add_pcap_command(CLI::App& app, CommandResult& result);
void add_scan_command(CLI::App& app, CommandResult& result);
void add_script_command(CLI::App& app, CommandResult& result);
void add_serve_command(CLI::App& app, CommandResult& result);
void add_sim_command(CLI::App& app, CommandResult& result);

}  // namespace finwait::tools
