#include "sim/world.h"

#include <algorithm>

#include <fmt/format.h>

namespace finwait::sim {

World::World(std::uint64_t seed) : random_(seed) {}

void World::Observer::on_state_change(const stack::FlowKey& flow, tcp::State from, tcp::State to,
                                      tcp::Cause cause, Instant now) {
  Record r;
  r.kind = Record::Kind::transition;
  r.at = now;
  r.host = host;
  r.flow = flow;
  r.from = from;
  r.to = to;
  r.cause = cause;
  world.recorder_.add(std::move(r));
}

Result<std::unique_ptr<stack::Stack>, std::string> World::make_stack(Host& host) {
  stack::StackConfig config;
  config.name = host.config.name;
  config.address = host.config.address;
  config.profile = host.config.profile;
  // Each host, and each boot of it, gets its own secret from the seed.
  config.secret = SipKey{random_(), random_()};
  auto s = std::make_unique<stack::Stack>(config);
  for (const auto& [name, value] : host.config.tunables) {
    auto set = s->tunables().set(name, value);
    if (!set) return fail(fmt::format("host {}: {}", host.config.name, set.error()));
  }
  if (auto bad = s->tunables().inconsistency()) return fail(fmt::format("host {}: {}", host.config.name, *bad));
  s->add_observer(host.observer.get());
  return s;
}

Result<stack::Stack*, std::string> World::add_host(const HostConfig& config) {
  if (host_index(config.name) >= 0) return fail(fmt::format("host {}: the name is used twice", config.name));
  if (host_by_address(config.address) >= 0) {
    return fail(fmt::format("host {}: address {} is used twice", config.name, config.address));
  }
  hosts_.push_back(Host{config, nullptr, std::make_unique<Observer>(*this, config.name), false, nullptr, nullptr});
  auto s = make_stack(hosts_.back());
  if (!s) {
    hosts_.pop_back();
    return fail(s.error());
  }
  hosts_.back().stack = std::move(*s);
  hosts_.back().sockets = std::make_unique<api::SocketApi>(*hosts_.back().stack);
  const int index = static_cast<int>(hosts_.size()) - 1;
  hosts_.back().port = std::make_unique<LinkPort>(hosts_.back().stack->config().mtu,
                                                  [this, index](std::span<const std::uint8_t> frame) {
                                                    transmit(index, frame);
                                                  });
  return hosts_.back().stack.get();
}

Result<bool, std::string> World::add_link(const LinkConfig& link) {
  const int a = host_index(link.a);
  const int b = host_index(link.b);
  if (a < 0) return fail(fmt::format("link: no host named {}", link.a));
  if (b < 0) return fail(fmt::format("link: no host named {}", link.b));
  if (a == b) return fail(fmt::format("link: {} cannot link to itself", link.a));
  for (double p : {link.loss, link.duplicate, link.corrupt, link.reorder}) {
    if (p < 0 || p > 1)
      return fail(fmt::format("link {}-{}: probabilities must be within 0..1", link.a, link.b));
  }
  links_.push_back(Link{link, a, b, {}});
  return true;
}

int World::host_index(const std::string& name) const {
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    if (hosts_[i].config.name == name) return static_cast<int>(i);
  }
  return -1;
}

int World::host_by_address(wire::Ipv4Address address) const {
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    if (hosts_[i].config.address == address) return static_cast<int>(i);
  }
  return -1;
}

const std::vector<HostConfig> World::hosts() const {
  std::vector<HostConfig> out;
  for (const Host& h : hosts_) out.push_back(h.config);
  return out;
}

stack::Stack* World::stack(const std::string& host) {
  const int i = host_index(host);
  return i < 0 || hosts_[static_cast<std::size_t>(i)].crashed
             ? nullptr
             : hosts_[static_cast<std::size_t>(i)].stack.get();
}

bool World::crashed(const std::string& host) const {
  const int i = host_index(host);
  return i < 0 || hosts_[static_cast<std::size_t>(i)].crashed;
}

void World::push(QueuedEvent event) {
  event.sequence = next_sequence_++;
  queue_.push(std::move(event));
}

void World::schedule_crash(const std::string& host, Instant at) {
  push(QueuedEvent{at, 0, QueuedEvent::Kind::crash, host_index(host), {}});
}

void World::schedule_reboot(const std::string& host, Instant at) {
  push(QueuedEvent{at, 0, QueuedEvent::Kind::reboot, host_index(host), {}});
}

void World::transmit(int from, std::span<const std::uint8_t> frame) {
  for (wire::PcapWriter* tap : sent_taps_) tap->write(now_.nanoseconds(), frame);
  auto ip = wire::Ipv4View::parse(frame);
  if (!ip) return;
  const int to = host_by_address(ip->dst());
  Link* link = nullptr;
  int direction = 0;
  for (Link& l : links_) {
    if ((l.a == from && l.b == to) || (l.b == from && l.a == to)) {
      link = &l;
      direction = l.a == from ? 0 : 1;
      break;
    }
  }
  if (link == nullptr || to < 0) {
    ++frames_lost_;  // no route
    return;
  }
  const LinkConfig& c = link->config;
  std::uniform_real_distribution<double> chance(0.0, 1.0);
  for (const Partition& p : c.partitions) {
    if (now_ >= p.from && now_ < p.until) {
      ++frames_lost_;
      return;
    }
  }
  if (c.loss > 0 && chance(random_) < c.loss) {
    ++frames_lost_;
    return;
  }
  Instant departs = now_;
  if (c.rate_bits_per_second > 0) {
    departs = std::max(now_, link->busy_until[direction]);
    const auto serialisation =
        static_cast<std::int64_t>(frame.size() * 8 * 1'000'000'000ULL / c.rate_bits_per_second);
    departs = departs + Duration::from_nanoseconds(serialisation);
    link->busy_until[direction] = departs;
  }
  Instant arrives = departs + c.delay;
  if (c.reorder > 0 && chance(random_) < c.reorder) {
    std::uniform_int_distribution<std::int64_t> extra(0, c.reorder_delay.nanoseconds());
    arrives = arrives + Duration::from_nanoseconds(extra(random_));
  }
  const int copies = c.duplicate > 0 && chance(random_) < c.duplicate ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    QueuedEvent e;
    e.at = arrives;
    e.kind = QueuedEvent::Kind::frame;
    e.host = to;
    e.bytes.assign(frame.begin(), frame.end());
    if (c.corrupt > 0 && chance(random_) < c.corrupt && !e.bytes.empty()) {
      std::uniform_int_distribution<std::size_t> at(0, e.bytes.size() - 1);
      e.bytes[at(random_)] ^= 0x20;
    }
    push(std::move(e));
  }
}

void World::flush(int host) {
  Host& h = hosts_[static_cast<std::size_t>(host)];
  if (h.crashed || !h.stack) return;
  stack::Stack& s = *h.stack;
  for (std::size_t i = 0; i < s.outgoing_count(); ++i) (void)h.port->send(s.outgoing(i), s.outgoing_segment_size(i));
  s.clear_outgoing();
}

void World::read_port(int host) {
  Host& h = hosts_[static_cast<std::size_t>(host)];
  while (h.port->has_inbound()) {
    auto got = h.port->receive(port_batch_);
    for (std::size_t i = 0; got && i < *got; ++i) h.stack->on_frame(port_batch_[i].bytes(), now_);
  }
}

api::SocketApi* World::sockets(const std::string& host) {
  const int i = host_index(host);
  return i < 0 || hosts_[static_cast<std::size_t>(i)].crashed
             ? nullptr
             : hosts_[static_cast<std::size_t>(i)].sockets.get();
}

void World::step_apps(const std::string& host, Instant now) {
  const int i = host_index(host);
  if (i < 0 || hosts_[static_cast<std::size_t>(i)].crashed) return;
  for (auto& app : apps_) {
    if (app->host() != host || crashed(host)) continue;
    app->step(*this, now);
    flush(host_index(host));
  }
}

Instant World::next_timer() const {
  Instant timers = Instant::never();
  for (const Host& h : hosts_) {
    if (!h.crashed) timers = std::min(timers, h.stack->next_deadline());
  }
  return timers;
}

Instant World::next_wakeup() const {
  Instant wakeups = Instant::never();
  for (const auto& app : apps_) {
    if (!crashed(app->host())) wakeups = std::min(wakeups, app->next_wakeup());
  }
  return wakeups;
}

Instant World::next_event() const {
  if (!started_) return now_;  // the applications' first step
  const Instant queued = queue_.empty() ? Instant::never() : queue_.top().at;
  return std::min({queued, next_timer(), next_wakeup()});
}

void World::run_until(Instant until) {
  if (!started_) {
    // Every application gets a first step at the start (servers listen).
    started_ = true;
    for (const Host& h : hosts_) step_apps(h.config.name, now_);
  }
  while (true) {
    const Instant queued = queue_.empty() ? Instant::never() : queue_.top().at;
    const Instant timers = next_timer();
    const Instant next = std::min({queued, timers, next_wakeup()});
    if (next == Instant::never() || next > until) break;
    now_ = std::max(now_, next);
    if (queued == next) {
      QueuedEvent e = queue_.top();
      queue_.pop();
      Host& h = hosts_[static_cast<std::size_t>(e.host)];
      switch (e.kind) {
        case QueuedEvent::Kind::frame:
          for (wire::PcapWriter* tap : delivered_taps_) tap->write(now_.nanoseconds(), e.bytes);
          for (const auto& observer : delivered_observers_) observer(now_, e.bytes);
          if (h.crashed) break;  // a crashed host hears nothing
          h.port->deliver(std::move(e.bytes));
          read_port(e.host);
          flush(e.host);
          step_apps(h.config.name, now_);
          break;
        case QueuedEvent::Kind::crash:
          if (h.crashed) break;
          h.crashed = true;
          h.sockets.reset();
          h.stack.reset();
          for (auto& app : apps_) {
            if (app->host() == h.config.name) app->forget_sockets();
          }
          recorder_.add(Record{Record::Kind::crash, now_, h.config.name, {}, {}, {}, {}, {}});
          break;
        case QueuedEvent::Kind::reboot: {
          auto fresh = make_stack(h);
          h.stack = std::move(*fresh);  // its tunables were valid when the host was added
          h.sockets = std::make_unique<api::SocketApi>(*h.stack);
          h.crashed = false;
          for (auto& app : apps_) {
            if (app->host() == h.config.name) app->forget_sockets();
          }
          recorder_.add(Record{Record::Kind::reboot, now_, h.config.name, {}, {}, {}, {}, {}});
          break;
        }
      }
      continue;
    }
    if (timers == next) {
      for (std::size_t i = 0; i < hosts_.size(); ++i) {
        Host& h = hosts_[i];
        if (h.crashed || h.stack->next_deadline() > now_) continue;
        h.stack->on_timer(now_);
        flush(static_cast<int>(i));
        step_apps(h.config.name, now_);
      }
      continue;
    }
    for (const Host& h : hosts_) {
      bool due = false;
      for (const auto& app : apps_) due = due || (app->host() == h.config.name && app->next_wakeup() <= now_);
      if (due) step_apps(h.config.name, now_);
    }
  }
  now_ = std::max(now_, until);
}

}  // namespace finwait::sim
