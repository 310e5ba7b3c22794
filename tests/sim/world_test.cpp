// The simulator's world: faults, crashes, reboots, scenario files.
#include "sim/world.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "sim/apps.h"
#include "sim/scenario.h"

namespace finwait::sim {
namespace {

struct TwoHosts {
  explicit TwoHosts(LinkConfig link, int clients = 5, AfterResponse after = AfterResponse::close)
      : world(11) {
    EXPECT_TRUE(world.add_host({"server", wire::Ipv4Address(198, 18, 0, 2), Profile::linux, {}}).ok());
    EXPECT_TRUE(world.add_host({"client", wire::Ipv4Address(198, 18, 0, 1), Profile::linux, {}}).ok());
    link.a = "client";
    link.b = "server";
    EXPECT_TRUE(world.add_link(link).ok());
    ServerConfig sc;
    sc.response_bytes = 3000;
    world.add_app(std::make_unique<ServerApp>("server", sc));
    ClientConfig cc;
    cc.server = wire::Ipv4Address(198, 18, 0, 2);
    cc.connections = clients;
    cc.after = after;
    world.add_app(std::make_unique<ClientApp>("client", cc));
  }
  int closed_on(const std::string& host) {
    int n = 0;
    for (const Record& r : world.recorder().records()) {
      if (r.kind == Record::Kind::transition && r.host == host && r.to == tcp::State::closed) ++n;
    }
    return n;
  }
  World world;
};

TEST(World, CleanLinkEveryConnectionCloses) {
  TwoHosts t(LinkConfig{});
  t.world.run_until(Instant{} + minutes(5));
  EXPECT_EQ(t.closed_on("client"), 5);
  EXPECT_EQ(t.closed_on("server"), 5);
  EXPECT_EQ(t.world.stack("server")->connection_count(), 0u);
}

TEST(World, FaultyLinkStillDeliversEverything) {
  LinkConfig link;
  link.loss = 0.15;
  link.duplicate = 0.1;
  link.reorder = 0.2;
  link.corrupt = 0.05;
  TwoHosts t(link, 10);
  t.world.run_until(Instant{} + minutes(30));
  EXPECT_GT(t.world.frames_lost(), 0u);
  EXPECT_EQ(t.closed_on("client"), 10);
  EXPECT_EQ(t.closed_on("server"), 10);
  // Corrupted frames were counted and dropped by the checksum.
  EXPECT_GT(t.world.stack("server")
                    ->counters()
                    .bad_segments[static_cast<std::size_t>(wire::ParseError::bad_checksum)] +
                t.world.stack("client")
                    ->counters()
                    .bad_segments[static_cast<std::size_t>(wire::ParseError::bad_checksum)] +
                t.world.stack("server")
                    ->counters()
                    .bad_segments[static_cast<std::size_t>(wire::ParseError::bad_ip_checksum)] +
                t.world.stack("client")
                    ->counters()
                    .bad_segments[static_cast<std::size_t>(wire::ParseError::bad_ip_checksum)],
            0u);
}

TEST(World, PartitionDelaysButDoesNotLose) {
  LinkConfig link;
  link.partitions.push_back({Instant{}, Instant{} + seconds(5)});
  TwoHosts t(link, 1);
  t.world.run_until(Instant{} + seconds(4));
  EXPECT_EQ(t.closed_on("client"), 0);
  t.world.run_until(Instant{} + minutes(10));
  EXPECT_EQ(t.closed_on("client"), 1);
}

TEST(World, CrashedHostSendsNothingAndItsPeerTimesOut) {
  TwoHosts t(LinkConfig{}, 1, AfterResponse::stay);
  t.world.run_until(Instant{} + seconds(1));
  t.world.schedule_crash("client", Instant{} + seconds(2));
  t.world.run_until(Instant{} + hours(1));
  EXPECT_TRUE(t.world.crashed("client"));
  // The server closed after answering; with the client gone its FIN is never
  // acknowledged... unless the client ACKed it before dying, then FIN_WAIT_2
  // ends by tcp_fin_timeout. Either way it is CLOSED now.
  EXPECT_EQ(t.world.stack("server")->connection_count(), 0u);
}

TEST(World, RebootedHostAnswersOldSegmentsWithReset) {
  World world(5);
  ASSERT_TRUE(world.add_host({"server", wire::Ipv4Address(198, 18, 0, 2), Profile::linux, {}}).ok());
  ASSERT_TRUE(world.add_host({"client", wire::Ipv4Address(198, 18, 0, 1), Profile::linux, {}}).ok());
  LinkConfig link;
  link.a = "client";
  link.b = "server";
  ASSERT_TRUE(world.add_link(link).ok());
  ServerConfig sc;
  sc.close_after_response = false;
  sc.options.keepalive = true;
  sc.options.keepalive_idle = seconds(30);
  world.add_app(std::make_unique<ServerApp>("server", sc));
  ClientConfig cc;
  cc.server = wire::Ipv4Address(198, 18, 0, 2);
  cc.after = AfterResponse::stay;
  world.add_app(std::make_unique<ClientApp>("client", cc));
  world.schedule_reboot("client", Instant{} + seconds(2));
  world.run_until(Instant{} + minutes(5));
  // The server's keepalive probe reaches a fresh stack that knows nothing of
  // the connection: RST (RFC 9293 3.10.7.1), and the server's side is gone.
  EXPECT_GT(world.stack("client")->counters().out_rsts, 0u);
  bool reset = false;
  for (const Record& r : world.recorder().records()) {
    reset =
        reset || (r.host == "server" && r.to == tcp::State::closed && r.cause == tcp::Cause::rst_received);
  }
  EXPECT_TRUE(reset);
  EXPECT_EQ(world.stack("server")->connection_count(), 0u);
}

// Frames in a capture, as (time, bytes).
std::vector<std::pair<std::int64_t, std::vector<std::uint8_t>>> frames_of(const std::string& path) {
  std::vector<std::pair<std::int64_t, std::vector<std::uint8_t>>> out;
  auto reader = wire::PcapReader::open(path);
  EXPECT_TRUE(reader.ok());
  if (!reader) return out;
  while (auto r = reader->next()) out.emplace_back(r->timestamp_ns, std::vector(r->frame.begin(), r->frame.end()));
  return out;
}

TEST(World, PcapShowsWhatTheLinkDeliveredAndPcapSentWhatWasSent) {
  LinkConfig link;
  link.loss = 0.2;
  link.duplicate = 0.2;
  link.corrupt = 0.1;
  TwoHosts t(link, 10);
  const auto dir = std::filesystem::temp_directory_path();
  const std::string delivered_path = (dir / ("finwait_delivered_" + std::to_string(getpid()))).string();
  const std::string sent_path = (dir / ("finwait_sent_" + std::to_string(getpid()))).string();
  auto delivered = wire::PcapWriter::create(delivered_path);
  auto sent = wire::PcapWriter::create(sent_path);
  ASSERT_TRUE(delivered.ok() && sent.ok());
  t.world.add_pcap_tap(&*delivered, World::TapPoint::delivered);
  t.world.add_pcap_tap(&*sent, World::TapPoint::sent);
  t.world.run_until(Instant{} + minutes(10));
  ASSERT_TRUE(delivered->commit().ok());
  ASSERT_TRUE(sent->commit().ok());
  const auto on_wire = frames_of(delivered_path);
  const auto handed = frames_of(sent_path);
  std::filesystem::remove(delivered_path);
  std::filesystem::remove(sent_path);

  // Every sent frame, lost or not, is in the sender's view; the wire's view
  // has arrivals only: a lost frame is missing, a duplicate is there twice,
  // a corrupted one differs from what was sent, and each arrives a link
  // delay (10 ms) after it left.
  std::multiset<std::vector<std::uint8_t>> sent_bytes;
  for (const auto& [at, bytes] : handed) sent_bytes.insert(bytes);
  std::size_t duplicates = 0;
  std::size_t corrupted = 0;
  std::multiset<std::vector<std::uint8_t>> seen;
  for (const auto& [at, bytes] : on_wire) {
    if (sent_bytes.count(bytes) == 0) {
      ++corrupted;
    } else if (seen.count(bytes) > 0) {
      ++duplicates;
    }
    seen.insert(bytes);
  }
  std::size_t lost = 0;
  for (const auto& bytes : sent_bytes) lost += seen.count(bytes) == 0 ? 1 : 0;
  EXPECT_GT(duplicates, 0u);
  EXPECT_GT(corrupted, 0u);
  EXPECT_GT(lost, 0u);
  ASSERT_FALSE(on_wire.empty());
  EXPECT_GE(on_wire.front().first, handed.front().first + milliseconds(10).nanoseconds());
  for (std::size_t i = 1; i < on_wire.size(); ++i) EXPECT_LE(on_wire[i - 1].first, on_wire[i].first);
}

TEST(Scenario, ExamplesLoad) {
  for (const auto& entry : std::filesystem::directory_iterator(FINWAIT_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".toml") continue;
    SCOPED_TRACE(entry.path().string());
    auto s = load_scenario(entry.path().string());
    ASSERT_TRUE(s.ok()) << s.error();
    s->world->run_until(s->until);
  }
}

TEST(Scenario, ErrorsSayWhereAndWhat) {
  const std::string path = (std::filesystem::temp_directory_path() / "finwait_bad_scenario.toml").string();
  auto check = [&](const std::string& text, const std::string& expected) {
    std::ofstream(path) << text;
    auto s = load_scenario(path);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_NE(s.error().find(expected), std::string::npos) << s.error();
  };
  check("[[host]]\nname = \"a\"\naddress = \"300.1.1.1\"\n", ":3:11: host[0].address: expected an IPv4 address");
  check("[[host]]\nname = \"a\"\naddress = \"198.18.0.1\"\nprofile = \"bsd\"\n", "profile 'bsd' is unknown");
  check("until = \"forever\"\n", "until: expected a duration");
  check("hosts = 1\n", ":1:9: hosts: unknown key (allowed: seed, until, host");
  check("[[host]]\nname = \"c\"\naddress = \"198.18.0.1\"\n[[link]]\nbetween = [\"a\", \"b\"]\n",
        "no host named a");
  check("", "no [[host]]");
  check("[[host]]\nname = \"a\"\naddress = \"198.18.0.1\"\n[[crash]]\nhost = \"a\"\nwhen = \"1s\"\n",
        "crash[0].when: unknown key (allowed in crash[0]: host, at)");
  check("[[host]]\nname = \"a\"\naddress = \"198.18.0.1\"\n[[crash]]\nhost = \"a\"\n", "crash[0]: at is required");
  check("[[host]]\nname = \"a\"\naddress = \"198.18.0.1\"\ntunables = { tcp_finwait2 = \"ten\" }\n",
        "tcp_finwait2");
  check("this is not toml", path + ":1:");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace finwait::sim
