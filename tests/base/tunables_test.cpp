#include "base/tunables.h"

#include <gtest/gtest.h>

#include <set>

namespace finwait {
namespace {

TEST(Tunables, SeedNumbersPerProfile) {
  // DESIGN.md "The story": AIX 600 s FIN_WAIT_2, 2 h / 75 s / 8 keepalive, 75 s keepinit.
  const Tunables aix(Profile::aix);
  EXPECT_EQ(aix.get(TunableId::tcp_finwait2), 1200);
  EXPECT_EQ(aix.duration(TunableId::tcp_finwait2), seconds(600));
  EXPECT_EQ(aix.duration(TunableId::tcp_keepidle), hours(2));
  EXPECT_EQ(aix.duration(TunableId::tcp_keepintvl), seconds(75));
  EXPECT_EQ(aix.get(TunableId::tcp_keepcnt), 8);
  EXPECT_EQ(aix.duration(TunableId::tcp_keepinit), seconds(75));

  const Tunables linux(Profile::linux);
  EXPECT_EQ(linux.duration(TunableId::tcp_finwait2), seconds(60));
  EXPECT_EQ(linux.get_in_alias_unit(TunableId::tcp_finwait2), 60);
  EXPECT_EQ(linux.get(TunableId::tcp_keepcnt), 9);
  EXPECT_EQ(linux.duration(TunableId::tcp_timewait), seconds(60));

  const Tunables rfc793(Profile::rfc793);
  EXPECT_EQ(rfc793.get(TunableId::tcp_finwait2), 0);
  EXPECT_EQ(rfc793.duration(TunableId::tcp_timewait), minutes(4));
}

TEST(Tunables, NativeUnitsAndSuffixes) {
  Tunables t(Profile::aix);
  EXPECT_EQ(*t.set("tcp_finwait2", "240"), 240);
  EXPECT_EQ(t.duration(TunableId::tcp_finwait2), seconds(120));
  EXPECT_EQ(*t.set("tcp_finwait2", "600s"), 1200);
  EXPECT_EQ(*t.set("tcp_finwait2", "10m"), 1200);
  EXPECT_EQ(*t.set("tcp_keepidle", "2h"), 14400);
  EXPECT_EQ(*t.set("tcp_keepintvl", "1500ms"), 3);
  EXPECT_EQ(*t.set("tcp_rto_min", "1s"), 1000);
}

TEST(Tunables, LinuxAliasesTakeLinuxUnits) {
  // SCRIPTS.md 6: `sysctl -q net.ipv4.tcp_fin_timeout=2` is 2 seconds.
  Tunables t(Profile::linux);
  EXPECT_EQ(*t.set("tcp_fin_timeout", "2"), 4);
  EXPECT_EQ(t.duration(TunableId::tcp_finwait2), seconds(2));
  EXPECT_EQ(*t.set("tcp_keepalive_time", "3"), 6);
  EXPECT_EQ(*t.set("tcp_keepalive_probes", "4"), 4);
  EXPECT_EQ(t.get(TunableId::tcp_keepcnt), 4);
  EXPECT_EQ(*t.set("tcp_sack", "0"), 0);
  EXPECT_FALSE(t.enabled(TunableId::sack));
}

TEST(Tunables, ErrorsNameTheTunableTheRangeAndTheUnit) {
  Tunables t(Profile::aix);
  auto unknown = t.set("tcp_finwait3", "1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().find("tcp_finwait3: no such tunable"), std::string::npos) << unknown.error();

  auto range = t.set("tcp_keepcnt", "0");
  ASSERT_FALSE(range.ok());
  EXPECT_EQ(range.error(), "tcp_keepcnt: 0 is out of range 1..127 count");

  auto garbage = t.set("tcp_finwait2", "ten");
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().find("half-seconds"), std::string::npos) << garbage.error();

  auto fraction = t.set("tcp_finwait2", "1001ms");
  ASSERT_FALSE(fraction.ok());
  EXPECT_NE(fraction.error().find("not a whole number of half-seconds"), std::string::npos)
      << fraction.error();

  auto negative = t.set("tcp_finwait2", "-1");
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.error().find("out of range"), std::string::npos);
  // A refused value leaves the old one.
  EXPECT_EQ(t.get(TunableId::tcp_finwait2), 1200);
}

TEST(Tunables, RegistryIsConsistent) {
  std::set<std::string_view> names;
  for (const auto& d : Tunables::definitions()) {
    EXPECT_TRUE(names.insert(d.name).second) << d.name;
    if (!d.linux_alias.empty() && d.linux_alias != d.name) {
      EXPECT_TRUE(names.insert(d.linux_alias).second);
    }
    for (Profile p : {Profile::aix, Profile::linux, Profile::rfc793}) {
      EXPECT_GE(d.default_for(p), d.minimum) << d.name;
      EXPECT_LE(d.default_for(p), d.maximum) << d.name;
    }
    EXPECT_FALSE(d.help.empty());
    EXPECT_EQ(&Tunables::definition(d.id), &d);
  }
}

TEST(Tunables, ProfilesParse) {
  EXPECT_EQ(parse_profile("aix"), Profile::aix);
  EXPECT_EQ(parse_profile("rfc793"), Profile::rfc793);
  EXPECT_FALSE(parse_profile("bsd").has_value());
}

}  // namespace
}  // namespace finwait
