// A console reporter that also remembers each run's rate, so that a bench
// can print ratios against a baseline measured in the same process run.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace finwait::bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      // Single runs, and the median of repeated ones (named NAME_median).
      if (run.run_type != Run::RT_Iteration && run.aggregate_name != "median") continue;
      auto bytes = run.counters.find("bytes_per_second");
      if (bytes != run.counters.end()) bytes_per_second_[run.benchmark_name()] = bytes->second.value;
      auto items = run.counters.find("items_per_second");
      if (items != run.counters.end()) items_per_second_[run.benchmark_name()] = items->second.value;
      ns_per_iteration_[run.benchmark_name()] = run.GetAdjustedRealTime();
      for (const auto& [name, counter] : run.counters) counters_[run.benchmark_name()][name] = counter.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }

  double bytes_per_second(const std::string& name) const { return lookup(bytes_per_second_, name); }
  double items_per_second(const std::string& name) const { return lookup(items_per_second_, name); }
  // A user counter of the run (state.counters), 0 if there is none.
  double counter(const std::string& name, const std::string& counter) const {
    auto it = counters_.find(name);
    return it == counters_.end() ? 0.0 : lookup(it->second, counter);
  }

 private:
  static double lookup(const std::map<std::string, double>& values, const std::string& name) {
    auto it = values.find(name);
    return it == values.end() ? 0.0 : it->second;
  }
  std::map<std::string, double> bytes_per_second_;
  std::map<std::string, double> items_per_second_;
  std::map<std::string, double> ns_per_iteration_;
  std::map<std::string, std::map<std::string, double>> counters_;
};

}  // namespace finwait::bench
