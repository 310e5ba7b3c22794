// `finwait no`: the tunables in AIX `no` syntax (DESIGN.md "Commands"). With
// no running stack to ask, it shows a profile's values: `-a` all as
// `name = value`, `-o NAME` one, `-h NAME` its help, `-L [NAME]` a table.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "base/tunables.h"
#include "tools/command.h"

namespace finwait::tools {
namespace {

struct NoOptions {
  bool all = false;
  std::string show;
  std::string help;
  bool table = false;
  std::string table_name;
  std::string profile = "aix";
};

const TunableDefinition* lookup(const std::string& name) {
  const TunableDefinition* d = Tunables::find(name);
  if (d == nullptr) fmt::print(stderr, "finwait no: {}\n", unknown_tunable_message(name));
  return d;
}

int run_no(const NoOptions& o) {
  const auto profile = parse_profile(o.profile);
  if (!profile) {
    fmt::print(stderr, "finwait no: --profile: unknown profile '{}' (aix, linux, rfc793)\n", o.profile);
    return 2;
  }
  const Tunables values(*profile);
  if (!o.show.empty()) {
    if (o.show.find('=') != std::string::npos) {
      fmt::print(stderr,
                 "finwait no: -o {}: changing a value needs a running stack; in a script write "
                 "`finwait no -o NAME=VALUE`, in a simulation --set NAME=VALUE\n",
                 o.show);
      return 2;
    }
    const TunableDefinition* d = lookup(o.show);
    if (d == nullptr) return 2;
    fmt::print("{} = {}\n", d->name, values.get(d->id));
    return 0;
  }
  if (!o.help.empty()) {
    const TunableDefinition* d = lookup(o.help);
    if (d == nullptr) return 2;
    fmt::print("{}: {}\n", d->name, d->help);
    fmt::print("  unit: {}; range {}..{}\n", to_string(d->unit), d->minimum, d->maximum);
    fmt::print("  defaults: aix {}, linux {}, rfc793 {}\n", format_tunable_value(*d, d->default_aix),
               format_tunable_value(*d, d->default_linux), format_tunable_value(*d, d->default_rfc793));
    if (!d->linux_alias.empty() && d->linux_alias != d->name)
      fmt::print("  Linux name: {} ({})\n", d->linux_alias, to_string(d->alias_unit));
    fmt::print("  applies to {}\n", d->at_once ? "timers armed after a change" : "new connections");
    return 0;
  }
  if (o.table) {
    fmt::print("{:<26} {:>12} {:>12} {:>12} {:>12}  {}\n", "NAME", "CUR", "DEF", "MIN", "MAX", "UNIT");
    for (const TunableDefinition& d : Tunables::definitions()) {
      if (!o.table_name.empty() && d.name != o.table_name) continue;
      fmt::print("{:<26} {:>12} {:>12} {:>12} {:>12}  {}\n", d.name, values.get(d.id), d.default_for(*profile),
                 d.minimum, d.maximum, to_string(d.unit));
    }
    return 0;
  }
  for (const TunableDefinition& d : Tunables::definitions()) fmt::print("{} = {}\n", d.name, values.get(d.id));
  return 0;
}

}  // namespace

void add_no_command(CLI::App& app, CommandResult& result) {
  auto o = std::make_shared<NoOptions>();
  auto* cmd = app.add_subcommand("no", "Show the tunables in AIX `no` syntax, with a profile's values");
  cmd->set_help_flag("--help", "this help (-h is AIX's: help on a tunable)");
  auto* group = cmd->add_option_group("what");
  group->add_flag("-a", o->all, "every tunable as name = value");
  group->add_option("-o", o->show, "one tunable: NAME");
  group->add_option("-h", o->help, "what a tunable does: unit, range, default per profile");
  auto* table = group->add_flag("-L", o->table, "a table: NAME CUR DEF MIN MAX UNIT");
  cmd->add_option("NAME", o->table_name, "with -L: only this tunable")->needs(table);
  group->require_option(1);
  cmd->add_option("--profile", o->profile, "whose values: aix (default), linux, rfc793");
  cmd->callback([o, &result] { result.exit_status = run_no(*o); });
}

}  // namespace finwait::tools
