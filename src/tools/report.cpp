#include "tools/report.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "wire/ipv4_tcp_packet.h"

namespace finwait::tools {
namespace {

// At most this many arrows: a story of thousands of connections draws the first ones.
constexpr std::size_t k_max_arrows = 400;
constexpr Duration k_gap = seconds(1);  // a longer idle gap is drawn short, with its length

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* colour_of(tcp::State s) {
  switch (s) {
    case tcp::State::syn_sent:
    case tcp::State::syn_received: return "#9ecae1";
    case tcp::State::established: return "#31a354";
    case tcp::State::fin_wait_1: return "#fdae6b";
    case tcp::State::fin_wait_2: return "#e6550d";
    case tcp::State::close_wait: return "#9e9ac8";
    case tcp::State::closing: return "#fd8d3c";
    case tcp::State::last_ack: return "#756bb1";
    case tcp::State::time_wait: return "#969696";
    default: return "#d9d9d9";
  }
}

bool is_expiry(tcp::Cause cause) {
  const std::string_view name = tcp::to_string(cause);
  return name.ends_with("_timeout") || name == "time_wait_expired";
}

std::string sequence_diagram(const ReportInput& in) {
  if (in.hosts.empty()) return "";
  const int lane_gap = 420;
  const int left = 60;
  std::map<std::uint32_t, int> lane;  // address -> x
  for (std::size_t i = 0; i < in.hosts.size(); ++i)
    lane[in.hosts[i].second.to_uint()] = left + static_cast<int>(i) * lane_gap;
  // Segments and the hosts' own events (state changes, crashes), in time order.
  struct Item {
    Instant at;
    const ReportSegment* segment = nullptr;
    const sim::Record* record = nullptr;
  };
  // With many connections, the first one is drawn (the timelines show all).
  std::set<std::string> connections;
  const sim::Record* first = nullptr;
  for (const sim::Record& r : in.records) {
    if (r.kind != sim::Record::Kind::transition) continue;
    connections.insert(r.host + r.flow.to_string());
    if (first == nullptr) first = &r;
  }
  auto ours = [&](wire::Ipv4Address a, std::uint16_t ap, wire::Ipv4Address b, std::uint16_t bp) {
    if (first == nullptr || connections.size() <= 2) return true;
    const stack::FlowKey& f = first->flow;
    return (a == f.local && ap == f.local_port && b == f.remote && bp == f.remote_port) ||
           (a == f.remote && ap == f.remote_port && b == f.local && bp == f.local_port);
  };
  std::vector<Item> items;
  for (const ReportSegment& s : in.segments) {
    if (ours(s.src, s.src_port, s.dst, s.dst_port)) items.push_back({s.at, &s, nullptr});
  }
  std::map<std::string, wire::Ipv4Address> address_of;
  for (const auto& [name, address] : in.hosts) address_of[name] = address;
  for (const sim::Record& r : in.records) {
    if (r.kind != sim::Record::Kind::transition ||
        ours(r.flow.local, r.flow.local_port, r.flow.remote, r.flow.remote_port))
      items.push_back({r.at, nullptr, &r});
  }
  const bool one_of_many = first != nullptr && connections.size() > 2;
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.at < b.at; });
  std::string body;
  int y = 50;
  Instant last;
  std::size_t drawn = 0;
  for (const Item& item : items) {
    if (drawn == k_max_arrows) break;
    if (item.at - last > k_gap) {
      body += fmt::format(R"svg(<text class="gap" x="{}" y="{}">… {} …</text>)svg", left + 10, y + 12,
                          escape(format_duration(item.at - last)));
      y += 28;
    }
    last = item.at;
    if (item.record != nullptr) {
      const sim::Record& r = *item.record;
      auto host = address_of.find(r.host);
      if (host == address_of.end()) continue;
      const int x = lane[host->second.to_uint()];
      std::string text = r.kind == sim::Record::Kind::transition
                             ? fmt::format("{} -> {} ({})", tcp::netstat_name(r.from), tcp::netstat_name(r.to),
                                           tcp::to_string(r.cause))
                             : (r.kind == sim::Record::Kind::crash    ? std::string("crashes")
                                : r.kind == sim::Record::Kind::reboot ? std::string("reboots")
                                                                      : r.text);
      body += fmt::format(R"svg(<circle class="event" cx="{}" cy="{}" r="4" fill="{}"/>)svg", x, y,
                          colour_of(r.kind == sim::Record::Kind::transition ? r.to : tcp::State::closed));
      body += fmt::format(R"svg(<text class="event-label" x="{}" y="{}">{} {}: {}</text>)svg", x + 8, y + 4,
                          escape(sim::format_time(r.at)), escape(r.host), escape(text));
      y += 18;
      continue;
    }
    const ReportSegment& s = *item.segment;
    auto from = lane.find(s.src.to_uint());
    auto to = lane.find(s.dst.to_uint());
    if (from == lane.end() || to == lane.end()) continue;
    const int y2 = y + 18;
    body += fmt::format(
        R"svg(<line class="segment" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333" marker-end="url(#arrow)"/>)svg",
        from->second, y, to->second, y2);
    const std::string label = fmt::format("{} seq {} ack {}{}", s.flags, s.seq, s.ack,
                                          s.length > 0 ? fmt::format(" ({})", s.length) : "");
    body += fmt::format(R"svg(<text class="label" x="{}" y="{}">{} {}</text>)svg",
                        std::min(from->second, to->second) + 30, y + 6, escape(sim::format_time(s.at)),
                        escape(label));
    y += 26;
    ++drawn;
  }
  std::string head;
  for (const auto& [name, address] : in.hosts) {
    const int x = lane[address.to_uint()];
    head += fmt::format(R"svg(<text class="host" x="{}" y="20" text-anchor="middle">{} {}</text>)svg", x, escape(name),
                        address);
    head += fmt::format(R"svg(<line class="lane" x1="{}" y1="30" x2="{}" y2="{}" stroke="#bbb"/>)svg", x, x, y + 10);
  }
  // Room on the right for the last lane's event labels.
  const int width = left * 2 + static_cast<int>(in.hosts.size() - 1) * lane_gap + 420;
  std::string more = fmt::format("<p>{}{} segments{}; idle gaps over {} are drawn short, with their length.</p>",
                                 one_of_many ? fmt::format("The first connection {}: ", escape(first->flow.to_string()))
                                             : "",
                                 drawn, drawn == k_max_arrows ? " (the first ones)" : "", format_duration(k_gap));
  return fmt::format(
      "<h2>Segments</h2>{}<svg class=\"sequence\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" "
      "height=\"{}\"><defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"8\" refY=\"4\" "
      "orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#333\"/></marker></defs>{}{}</svg>",
      more, width, y + 20, head, body);
}

// Each host's crashes, in time order.
using Crashes = std::map<std::string, std::vector<Instant>>;
Crashes crashes_of(const ReportInput& in) {
  Crashes out;
  for (const sim::Record& r : in.records) {
    if (r.kind == sim::Record::Kind::crash) out[r.host].push_back(r.at);
  }
  return out;
}

// When a state held by `host` from `from` ends, at the latest `until`: a
// crash of the host ends it first (its state vanished, nothing timed out).
Instant state_end(const Crashes& crashes, const std::string& host, Instant from, Instant until) {
  auto it = crashes.find(host);
  if (it == crashes.end()) return until;
  for (Instant t : it->second) {
    if (t >= from && t < until) return t;
  }
  return until;
}

std::string timelines(const ReportInput& in, Instant horizon) {
  const Crashes crashes = crashes_of(in);
  // Each connection's states, in order, per host.
  std::map<std::pair<std::string, std::string>, std::vector<const sim::Record*>> by_connection;
  for (const sim::Record& r : in.records) {
    if (r.kind == sim::Record::Kind::transition) by_connection[{r.host, r.flow.to_string()}].push_back(&r);
  }
  if (by_connection.empty()) return "";
  const int width = 900;
  const int label_width = 330;
  const double scale = (width - label_width - 10) / std::max(1e-9, (horizon - Instant{}).seconds_double());
  auto x_of = [&](Instant t) { return label_width + static_cast<int>((t - Instant{}).seconds_double() * scale); };
  std::string body;
  int y = 10;
  std::map<std::string, int> shown;  // per host: a dozen connections each
  for (const auto& [key, records] : by_connection) {
    if (shown[key.first]++ >= 12) continue;
    body += fmt::format(R"svg(<text x="0" y="{}">{} {}</text>)svg", y + 12, escape(key.first), escape(key.second));
    for (std::size_t i = 0; i < records.size(); ++i) {
      const sim::Record& r = *records[i];
      const Instant until =
          state_end(crashes, key.first, r.at, i + 1 < records.size() ? records[i + 1]->at : horizon);
      if (r.to != tcp::State::closed) {
        body += fmt::format(
            R"svg(<rect class="bar" data-state="{}" x="{}" y="{}" width="{}" height="16" fill="{}"><title>{} from {}</title></rect>)svg",
            tcp::netstat_name(r.to), x_of(r.at), y, std::max(2, x_of(until) - x_of(r.at)), colour_of(r.to),
            tcp::netstat_name(r.to), escape(sim::format_time(r.at)));
      }
      if (is_expiry(r.cause)) {
        body += fmt::format(R"svg(<circle class="expiry" cx="{}" cy="{}" r="5" fill="#000"><title>{} at {}</title></circle>)svg",
                            x_of(r.at), y + 8, tcp::to_string(r.cause), escape(sim::format_time(r.at)));
      }
    }
    y += 22;
  }
  return fmt::format(
      "<h2>States</h2><p>From 0 to {}; a black dot is a timer that ended the state.</p><svg class=\"timeline\" "
      "xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\">{}</svg>",
      escape(sim::format_time(horizon)), width, y + 10, body);
}

std::string stacked_chart(const ReportInput& in, Instant horizon) {
  const Crashes crashes = crashes_of(in);
  // How many connections are in each state, sampled across the run.
  std::map<std::pair<std::string, std::string>, std::vector<const sim::Record*>> by_connection;
  for (const sim::Record& r : in.records) {
    if (r.kind == sim::Record::Kind::transition) by_connection[{r.host, r.flow.to_string()}].push_back(&r);
  }
  if (by_connection.size() < 4) return "";
  constexpr int k_columns = 200;
  const int height = 240;
  std::vector<std::map<tcp::State, int>> counts(k_columns);
  const double step = (horizon - Instant{}).seconds_double() / k_columns;
  for (const auto& [key, records] : by_connection) {
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (records[i]->to == tcp::State::closed) continue;
      const double from = (records[i]->at - Instant{}).seconds_double();
      const Instant until = state_end(crashes, key.first, records[i]->at, i + 1 < records.size() ? records[i + 1]->at : horizon);
      const double to = (until - Instant{}).seconds_double();
      for (int c = 0; c < k_columns; ++c) {
        const double t = (c + 0.5) * step;
        if (t >= from && t < to) ++counts[static_cast<std::size_t>(c)][records[i]->to];
      }
    }
  }
  int peak = 1;
  for (const auto& column : counts) {
    int total = 0;
    for (const auto& [state, n] : column) total += n;
    peak = std::max(peak, total);
  }
  std::string body;
  std::set<tcp::State> seen;
  for (int c = 0; c < k_columns; ++c) {
    double y = height;
    for (const auto& [state, n] : counts[static_cast<std::size_t>(c)]) {
      const double h = static_cast<double>(n) * height / peak;
      y -= h;
      seen.insert(state);
      body += fmt::format(R"svg(<rect class="stack" data-state="{}" x="{}" y="{:.1f}" width="4" height="{:.1f}" fill="{}"/>)svg",
                          tcp::netstat_name(state), 40 + c * 4, y, h, colour_of(state));
    }
  }
  std::string legend;
  int lx = 40;
  for (tcp::State s : seen) {
    legend += fmt::format(R"svg(<rect x="{}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}">{}</text>)svg", lx,
                          height + 14, colour_of(s), lx + 16, height + 25, tcp::netstat_name(s));
    lx += 130;
  }
  return fmt::format(
      "<h2>Connections by state</h2><p>{} connections (host and 4-tuple), 0 to {}; the tallest column is {}.</p>"
      "<svg class=\"stacked\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\">{}{}</svg>",
      by_connection.size(), escape(sim::format_time(horizon)), peak, 40 + k_columns * 4 + 20, height + 40, body,
      legend);
}

}  // namespace

bool report_segment_of(Instant at, std::span<const std::uint8_t> frame, ReportSegment& out) {
  auto packet = wire::parse_ipv4_tcp(frame, wire::ChecksumPolicy::ignore);
  if (!packet) return false;
  out.at = at;
  out.src = packet->ip.src;
  out.dst = packet->ip.dst;
  out.src_port = packet->tcp.src_port;
  out.dst_port = packet->tcp.dst_port;
  out.flags = packet->tcp.flags.to_string();
  out.seq = packet->tcp.seq.raw();
  out.ack = packet->tcp.ack.raw();
  out.length = packet->tcp.payload.size();
  return true;
}

std::string render_report(const ReportInput& in) {
  // The timelines end where the last thing happened, not at a day of
  // silence; the stacked chart covers the whole run, so that a pile-up that
  // never drains is seen to stay.
  Instant horizon = Instant{} + seconds(1);
  for (const sim::Record& r : in.records) horizon = std::max(horizon, r.at);
  for (const ReportSegment& s : in.segments) horizon = std::max(horizon, s.at);
  horizon = horizon + (horizon - Instant{}) / 20;
  horizon = std::min(horizon, std::max(in.end, Instant{} + seconds(1)));
  return fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title><style>"
      "body{{font-family:sans-serif;margin:20px;background:#fff}} svg{{display:block;margin-bottom:24px}} "
      "text{{font-size:12px;font-family:monospace}} .gap{{fill:#888;font-style:italic}}</style></head>"
      "<body><h1>{}</h1>{}{}{}</body></html>\n",
      escape(in.title), escape(in.title), sequence_diagram(in), timelines(in, horizon),
      stacked_chart(in, std::max(in.end, Instant{} + seconds(1))));
}

}  // namespace finwait::tools
