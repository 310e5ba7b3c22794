// `finwait no`: the tunables in AIX `no` syntax (DESIGN.md "Commands"). It
// shows what a stack of the profile would start with (the profile's
// defaults, then the persisted file): `-a` all as `name = value`, `-o NAME`
// one, `-h NAME` its help, `-L [NAME]` a table, `-x` comma-separated. `-p`
// or `-r` with `-o NAME=VALUE`, `-d NAME` or `-D` change the persisted file
// (`--file`, default /etc/finwait/tunables.toml) that `finwait serve` reads
// at start. Nothing is written unless every value checks out.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "base/quote.h"
#include "base/tunables.h"
#include "tools/command.h"
#include "tools/control_socket.h"
#include "tools/tunables_file.h"

namespace finwait::tools {
namespace {

struct NoOptions {
  bool all = false;
  std::string show;
  std::string help;
  bool table = false;
  std::string table_name;
  std::string reset;
  bool reset_all = false;
  bool persist = false;    // -p: now and persisted
  bool next_boot = false;  // -r: the next start only
  bool csv = false;        // -x
  std::string file = k_default_tunables_file;
  std::string profile = "aix";
  std::string stack;  // --stack NAME: a running stack
};

int refuse(const std::string& message) {
  fmt::print(stderr, "finwait no: {}\n", message);
  return 2;
}

const TunableDefinition* lookup(const std::string& name) {
  const TunableDefinition* d = Tunables::find(name);
  if (d == nullptr) fmt::print(stderr, "finwait no: {}\n", unknown_tunable_message(name));
  return d;
}

// AIX's tunable types: D (dynamic: timers armed after a change), C (connect:
// new connections).
const char* type_of(const TunableDefinition& d) { return d.at_once ? "D" : "C"; }

void print_row(const TunableDefinition& d, const Tunables& current, const TunablesFile& file, Profile profile,
               bool csv) {
  const std::int64_t* boot = file.find(d.name);
  const std::int64_t boot_value = boot ? *boot : d.default_for(profile);
  if (csv) {
    fmt::print("{},{},{},{},{},{},{},{}\n", d.name, current.get(d.id), d.default_for(profile), boot_value, d.minimum,
               d.maximum, to_string(d.unit), type_of(d));
  } else {
    fmt::print("{:<26} {:>12} {:>12} {:>12} {:>12} {:>12}  {:<14} {}\n", d.name, current.get(d.id),
               d.default_for(profile), boot_value, d.minimum, d.maximum, to_string(d.unit), type_of(d));
  }
}

// -p / -r: the persisted file changes; with no stack to reach, nothing else does.
int change_file(const NoOptions& o, TunablesFile file, Profile profile) {
  std::string said;
  if (!o.show.empty()) {
    const std::size_t eq = o.show.find('=');
    const std::string name = o.show.substr(0, eq);
    const TunableDefinition* d = lookup(name);
    if (d == nullptr) return 2;
    Tunables check(profile);
    if (auto applied = apply_tunables_file(file, check, o.file); !applied) return refuse(applied.error());
    auto value = check.set(name, o.show.substr(eq + 1));
    if (!value) return refuse(fmt::format("-o {}", value.error()));
    if (auto bad = check.inconsistency()) return refuse(fmt::format("-o {}: {}", quote_for_message(o.show), *bad));
    file.set(std::string(d->name), *value);
    said = fmt::format("{} = {}", d->name, *value);
  } else if (!o.reset.empty()) {
    const TunableDefinition* d = lookup(o.reset);
    if (d == nullptr) return 2;
    file.erase(d->name);
    said = fmt::format("{} = {}", d->name, d->default_for(profile));
  } else {
    file.values.clear();
    said = "every tunable at its default";
  }
  if (auto written = write_tunables_file(o.file, file); !written) return refuse(written.error());
  fmt::print("{}\n", said);
  fmt::print("finwait no: {} {}: {}\n", o.persist ? "persisted in" : "set for the next start in", o.file,
             o.persist ? "no running stack was changed (finwait serve reads the file when it starts)"
                       : "finwait serve takes it when it starts");
  return 0;
}

// -a, -o NAME, -h NAME, -L [NAME], with -x: `current` as the stack has (or would have) them.
int show(const NoOptions& o, const Tunables& current, const TunablesFile& file) {
  const Profile profile = current.profile();
  if (!o.show.empty()) {
    const TunableDefinition* d = lookup(o.show);
    if (d == nullptr) return 2;
    if (o.csv) {
      print_row(*d, current, file, profile, true);
    } else {
      fmt::print("{} = {}\n", d->name, current.get(d->id));
    }
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
    fmt::print("  applies to {} (type {})\n", d->at_once ? "timers armed after a change" : "new connections",
               type_of(*d));
    return 0;
  }
  if (o.table) {
    const TunableDefinition* only = nullptr;
    if (!o.table_name.empty() && (only = lookup(o.table_name)) == nullptr) return 2;
    if (!o.csv) {
      fmt::print("{:<26} {:>12} {:>12} {:>12} {:>12} {:>12}  {:<14} {}\n", "NAME", "CUR", "DEF", "BOOT", "MIN", "MAX",
                 "UNIT", "TYPE");
    }
    for (const TunableDefinition& d : Tunables::definitions()) {
      if (only == nullptr || d.id == only->id) print_row(d, current, file, profile, o.csv);
    }
    return 0;
  }
  for (const TunableDefinition& d : Tunables::definitions()) {
    if (o.csv) {
      print_row(d, current, file, profile, true);
    } else {
      fmt::print("{} = {}\n", d.name, current.get(d.id));
    }
  }
  return 0;
}

// --stack NAME: shown from, and changed in, the running stack; -p also
// persists the change, -r only persists it (the stack is left as it is).
int with_stack(const NoOptions& o, const TunablesFile& file) {
  if (!o.help.empty()) return refuse("-h describes a tunable, not a stack: leave out --stack");
  if (o.next_boot) return change_file(o, file, *parse_profile(o.profile));  // the stack is left as it is
  // What the stack runs, first: its profile gives -d and -D their defaults.
  auto state = control_request(o.stack, {{"op", "get"}});
  if (!state) return refuse(state.error());
  if (!state->value("ok", false)) {
    fmt::print(stderr, "finwait no: --stack {}: {}\n", o.stack, state->value("error", std::string("refused")));
    return 1;
  }
  const std::string stack_profile = state->value("profile", std::string("aix"));
  const Profile profile = parse_profile(stack_profile).value_or(Profile::aix);
  // -d NAME and -D set the stack's defaults, one request each.
  std::vector<std::pair<std::string, std::string>> changes;
  if (const std::size_t eq = o.show.find('='); eq != std::string::npos) {
    changes.emplace_back(o.show.substr(0, eq), o.show.substr(eq + 1));
  } else if (!o.reset.empty()) {
    const TunableDefinition* d = lookup(o.reset);
    if (d == nullptr) return 2;
    changes.emplace_back(o.reset, std::to_string(d->default_for(profile)));
  } else if (o.reset_all) {
    for (const TunableDefinition& d : Tunables::definitions())
      changes.emplace_back(std::string(d.name), std::to_string(d.default_for(profile)));
  }
  const bool change = !changes.empty();
  nlohmann::json reply;
  if (change) {
    for (const auto& [name, value] : changes) {
      auto r = control_request(o.stack, {{"op", "set"}, {"name", name}, {"value", value}});
      if (!r) return refuse(r.error());
      reply = *r;
      if (!reply.value("ok", false)) break;
      if (!o.reset_all) continue;
    }
    if (o.reset_all && reply.value("ok", false)) {
      fmt::print("every tunable at its {} default\n", stack_profile);
      if (o.persist) {
        NoOptions persist = o;
        persist.stack.clear();
        return change_file(persist, file, profile);
      }
      return 0;
    }
  } else {
    reply = *state;
  }
  if (!reply.value("ok", false)) {
    fmt::print(stderr, "finwait no: --stack {}: {}\n", o.stack, reply.value("error", std::string("refused")));
    return 1;
  }
  if (change) {
    fmt::print("{} = {}\n", reply["name"].get<std::string>(), reply["value"].get<std::int64_t>());
    if (o.persist) {
      NoOptions persist = o;
      persist.stack.clear();
      return change_file(persist, file, profile);
    }
    return 0;
  }
  Tunables current(profile);
  for (const auto& [name, value] : reply["tunables"].items()) {
    if (const TunableDefinition* d = Tunables::find(name)) (void)current.set(d->id, value.get<std::int64_t>());
  }
  NoOptions shown = o;
  shown.stack.clear();
  shown.profile = stack_profile;
  return show(shown, current, file);
}

int run_no(const NoOptions& o) {
  const auto profile = parse_profile(o.profile);
  if (!profile) return refuse(fmt::format("--profile: unknown profile '{}' (aix, linux, rfc793)", quote_for_message(o.profile)));
  const bool changes = o.show.find('=') != std::string::npos || !o.reset.empty() || o.reset_all;
  if ((o.persist || o.next_boot) && !changes)
    return refuse("-p and -r go with a change: -o NAME=VALUE, -d NAME or -D");
  if (o.persist && o.next_boot) return refuse("-p and -r: choose one (-p: now and persisted, -r: next start only)");
  auto file = read_tunables_file(o.file);
  if (!file) return refuse(file.error());
  if (!o.stack.empty()) return with_stack(o, *file);
  if (changes && !o.persist && !o.next_boot) {
    return refuse(fmt::format(
        "{}: changing a value now needs a running stack; -p or -r changes the persisted file ({}), which "
        "finwait serve reads at start; in a script write `finwait no -o NAME=VALUE`, in a simulation --set",
        o.reset_all ? "-D" : (o.reset.empty() ? "-o " + quote_for_message(o.show) : "-d " + quote_for_message(o.reset)),
        o.file));
  }
  if (changes) return change_file(o, *file, *profile);

  Tunables current(*profile);
  if (auto applied = apply_tunables_file(*file, current, o.file); !applied) return refuse(applied.error());
  return show(o, current, *file);
}

}  // namespace

void add_no_command(CLI::App& app, CommandResult& result) {
  auto o = std::make_shared<NoOptions>();
  auto* cmd = app.add_subcommand("no", "The tunables in AIX `no` syntax: show them, or change the persisted file");
  cmd->set_help_flag("--help", "this help (-h is AIX's: help on a tunable)");
  auto* group = cmd->add_option_group("what");
  group->add_flag("-a", o->all, "every tunable as name = value");
  group->add_option("-o", o->show, "one tunable: NAME, or NAME=VALUE with -p or -r");
  group->add_option("-h", o->help, "what a tunable does: unit, range, default per profile");
  auto* table = group->add_flag("-L", o->table, "a table: NAME CUR DEF BOOT MIN MAX UNIT TYPE");
  group->add_option("-d", o->reset, "NAME back to its default (with -p or -r)");
  group->add_flag("-D", o->reset_all, "every tunable back to its default (with -p or -r)");
  cmd->add_option("NAME", o->table_name, "with -L: only this tunable")->needs(table);
  group->require_option(1);
  cmd->add_flag("-p", o->persist, "with a change: now and in the persisted file");
  cmd->add_flag("-r", o->next_boot, "with a change: in the persisted file, for the next start");
  cmd->add_flag("-x", o->csv, "comma-separated: name,cur,def,boot,min,max,unit,type");
  cmd->add_option("--file", o->file, "the persisted file (default /etc/finwait/tunables.toml)");
  cmd->add_option("--profile", o->profile, "whose defaults: aix (default), linux, rfc793");
  cmd->add_option("--stack", o->stack,
                  "a running stack (finwait serve --name): show its values; -o NAME=VALUE, -d, -D change it now");
  cmd->callback([o, &result] { result.exit_status = run_no(*o); });
}

}  // namespace finwait::tools
