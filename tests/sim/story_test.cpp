// Tier 3 (STYLE.md): the seed story in the simulator, with the numbers of
// DESIGN.md "The story", and determinism.
#include "sim/story.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace finwait::sim {
namespace {

// When the server's connection entered `state`.
Instant entered(const StoryResult& r, tcp::State state) {
  for (const Record& rec : r.records) {
    if (rec.kind == Record::Kind::transition && rec.host == "server" && rec.to == state) return rec.at;
  }
  ADD_FAILURE() << "the server never entered " << tcp::to_string(state);
  return Instant::never();
}

StoryResult story(StoryConfig config) {
  auto r = run_story(config);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return r.ok() ? std::move(*r) : StoryResult{};
}

TEST(Story, AixClosesFinWait2At600Seconds) {
  StoryConfig c;
  c.profile = Profile::aix;
  const StoryResult r = story(c);
  ASSERT_EQ(r.server.size(), 1u);
  EXPECT_EQ(r.server[0].state, tcp::State::closed);
  EXPECT_EQ(r.server[0].cause, tcp::Cause::finwait2_timeout);
  EXPECT_EQ(r.server[0].closed_at - entered(r, tcp::State::fin_wait_2), seconds(600));
  EXPECT_NE(r.verdict.find("reached CLOSED at 10m00"), std::string::npos) << r.verdict;
}

TEST(Story, KeepaliveDropsAt7800SecondsWithTheTimerOff) {
  StoryConfig c;
  c.profile = Profile::aix;
  c.set = {{"tcp_finwait2", "0"}};
  c.keepalive = true;
  const StoryResult r = story(c);
  ASSERT_EQ(r.server.size(), 1u);
  EXPECT_EQ(r.server[0].cause, tcp::Cause::keepalive_timeout);
  // Idle counts from the last segment received: the client's ACK of the FIN.
  EXPECT_EQ(r.server[0].closed_at - entered(r, tcp::State::fin_wait_2), seconds(7800));
}

TEST(Story, LinuxClosesAt60Seconds) {
  StoryConfig c;
  c.profile = Profile::linux;
  const StoryResult r = story(c);
  ASSERT_EQ(r.server.size(), 1u);
  EXPECT_EQ(r.server[0].closed_at - entered(r, tcp::State::fin_wait_2), seconds(60));
}

TEST(Story, Rfc793StaysInFinWait2) {
  StoryConfig c;
  c.profile = Profile::rfc793;
  c.until = hours(24 * 30);
  const StoryResult r = story(c);
  ASSERT_EQ(r.server.size(), 1u);
  EXPECT_EQ(r.server[0].state, tcp::State::fin_wait_2);
  EXPECT_NE(r.verdict.find("still in FIN_WAIT_2"), std::string::npos) << r.verdict;
}

TEST(Story, ManyConnectionsAllEnd) {
  StoryConfig c;
  c.profile = Profile::aix;
  c.connections = 300;
  const StoryResult r = story(c);
  ASSERT_EQ(r.server.size(), 300u);
  for (const auto& s : r.server) EXPECT_EQ(s.cause, tcp::Cause::finwait2_timeout);
}

TEST(Story, BadTunableIsRefusedWithItsName) {
  StoryConfig c;
  c.set = {{"tcp_finwait3", "1"}};
  auto r = run_story(c);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("tcp_finwait3"), std::string::npos) << r.error();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Story, SameSeedGivesByteIdenticalPcapAndEvents) {
  const auto dir = std::filesystem::temp_directory_path();
  std::string pcaps[2];
  std::string events[2];
  for (int i = 0; i < 2; ++i) {
    const std::string path =
        (dir / ("finwait_story_" + std::to_string(i) + "_" + std::to_string(getpid()) + ".pcap")).string();
    {
      auto writer = wire::PcapWriter::create(path);
      ASSERT_TRUE(writer.ok());
      StoryConfig c;
      c.connections = 20;
      c.seed = 42;
      auto r = run_story(c, &*writer);
      ASSERT_TRUE(r.ok());
      for (const Record& rec : r->records) events[i] += Recorder::to_json(rec) + "\n";
      ASSERT_TRUE(writer->commit().ok());
    }
    pcaps[i] = read_file(path);
    std::filesystem::remove(path);
  }
  EXPECT_GT(pcaps[0].size(), 1000u);
  EXPECT_EQ(pcaps[0], pcaps[1]);
  EXPECT_EQ(events[0], events[1]);
  // Another seed: other ports and ISNs, so other bytes.
  StoryConfig other;
  other.connections = 20;
  other.seed = 43;
  auto r = run_story(other);
  ASSERT_TRUE(r.ok());
  std::string other_events;
  for (const Record& rec : r->records) other_events += Recorder::to_json(rec) + "\n";
  EXPECT_NE(other_events, events[0]);
}

TEST(Story, JsonEventsUseTheDesignFieldNames) {
  StoryConfig c;
  auto r = run_story(c);
  ASSERT_TRUE(r.ok());
  const std::string line = Recorder::to_json(r->records.front());
  for (const char* field : {"\"t_s\"", "\"host\"", "\"conn\"", "\"from\"", "\"to\"", "\"cause\""}) {
    EXPECT_NE(line.find(field), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace finwait::sim
