#include "script/grep_filter.h"

#include <gtest/gtest.h>

namespace finwait::script {
namespace {

const std::vector<std::string> k_proc = {
    "  sl  local_address rem_address   st",
    "   0: 0100A8C0:1F90 00000000:0000 0A 00000000",
    "   1: 0100A8C0:1F90 010200C0:D431 01 00000000",
};

std::optional<std::vector<std::string>> files(const std::string& path) {
  if (path == "/proc/net/tcp") return k_proc;
  if (path == "/proc/net/tcp6") return std::vector<std::string>{"  sl  local_address"};
  return std::nullopt;
}

GrepOutput grep(std::vector<std::string> words, const std::vector<std::string>& input = {}) {
  words.insert(words.begin(), "grep");
  auto command = parse_grep(words);
  EXPECT_TRUE(command.ok()) << command.error();
  auto out = run_grep(*command, input, files);
  EXPECT_TRUE(out.ok()) << out.error();
  return *out;
}

TEST(GrepFilter, SelectsLinesAndSaysWhetherAnyMatched) {
  GrepOutput listeners = grep({" 0A ", "/proc/net/tcp"});
  EXPECT_TRUE(listeners.matched);
  EXPECT_EQ(listeners.lines, std::vector<std::string>{k_proc[1]});
  EXPECT_FALSE(grep({" 06 ", "/proc/net/tcp"}).matched);
  EXPECT_TRUE(grep({"-v", "1F90"}, k_proc).matched);
  EXPECT_EQ(grep({"-c", "1F90"}, k_proc).lines, std::vector<std::string>{"2"});
  EXPECT_TRUE(grep({"-q", "0a"}, k_proc).lines.empty());
  EXPECT_FALSE(grep({"-q", "0a"}, k_proc).matched);
  EXPECT_TRUE(grep({"-qi", "0a"}, k_proc).matched);
  EXPECT_FALSE(grep({"-F", "0A."}, k_proc).matched);
  EXPECT_FALSE(grep({"-w", "F9"}, k_proc).matched);
}

TEST(GrepFilter, SeveralFilesPrefixEachLineWithItsFile) {
  GrepOutput out = grep({" 0A ", "/proc/net/tcp", "/proc/net/tcp6"});
  EXPECT_EQ(out.lines, std::vector<std::string>{"/proc/net/tcp:" + k_proc[1]});
  EXPECT_EQ(grep({"-c", "sl", "/proc/net/tcp", "/proc/net/tcp6"}).lines,
            (std::vector<std::string>{"/proc/net/tcp:1", "/proc/net/tcp6:1"}));
}

TEST(GrepFilter, BadInputIsNamed) {
  EXPECT_NE(parse_grep(std::vector<std::string>{"grep", "-z", "x"}).error().find("-z"), std::string::npos);
  EXPECT_NE(parse_grep(std::vector<std::string>{"grep"}).error().find("no pattern"), std::string::npos);
  auto unreadable = parse_grep(std::vector<std::string>{"grep", "(", "/proc/net/tcp"});
  EXPECT_NE(run_grep(*unreadable, {}, files).error().find("not a pattern"), std::string::npos);
  auto missing = parse_grep(std::vector<std::string>{"grep", "x", "/etc/passwd"});
  EXPECT_NE(run_grep(*missing, {}, files).error().find("/etc/passwd"), std::string::npos);
}

}  // namespace
}  // namespace finwait::script
