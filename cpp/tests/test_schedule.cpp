#include <gtest/gtest.h>

#include "exec/world.hpp"
#include "explore/schedule.hpp"

namespace {
// A choice point with n options for choosers under test.
struct Point {
  std::vector<uint32_t> ids;
  wb::World world;
  wb::ChoicePoint at(uint32_t n, wb::ChoiceKind kind) {
    ids.resize(n);
    for (uint32_t i = 0; i < n; ++i) ids[i] = i;
    return wb::ChoicePoint{kind, ids, true, world};
  }
};
}  // namespace

using namespace wb;

TEST(Schedule, EncodeTrimsTrailingZerosAndRoundTrips) {
  std::vector<Choice> cs = {{3, 1, ChoiceKind::Thread}, {40, 37, ChoiceKind::EventOrder},
                            {2, 0, ChoiceKind::DropOrder}, {12, 11, ChoiceKind::Thread},
                            {2, 0, ChoiceKind::Thread}};
  std::string s = encode_schedule(cs);
  EXPECT_EQ(s, "v1.1(37)0b");
  std::vector<uint32_t> ks = decode_schedule(s);
  EXPECT_EQ(ks, (std::vector<uint32_t>{1, 37, 0, 11}));
  EXPECT_EQ(encode_schedule({}), "v1.");
}

TEST(Schedule, MalformedIsAnError) {
  EXPECT_THROW(decode_schedule("1.0"), ScheduleError);
  EXPECT_THROW(decode_schedule("v1.0A"), ScheduleError);
  EXPECT_THROW(decode_schedule("v1.(12"), ScheduleError);
  EXPECT_THROW(decode_schedule("v1.()"), ScheduleError);
  EXPECT_THROW(decode_schedule("v1.(99999999999)"), ScheduleError);
}

TEST(Schedule, ReplayOutOfRangeNamesTheChoice) {
  ReplayChooser r({1, 5});
  Point p;
  EXPECT_EQ(r.choose(p.at(2, ChoiceKind::Thread)), 1u);
  try {
    r.choose(p.at(3, ChoiceKind::DropOrder));
    FAIL();
  } catch (const ScheduleError& e) {
    EXPECT_NE(std::string(e.what()).find("choice #1 (drop order)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(r.choose(p.at(4, ChoiceKind::Thread)), 0u);  // past the end: canonical
  r.check_all_used();
  ReplayChooser unused({1, 2});
  EXPECT_EQ(unused.choose(p.at(2, ChoiceKind::Thread)), 1u);
  EXPECT_THROW(unused.check_all_used(), ScheduleError);
}

TEST(Schedule, RandomIsSeededAndInRange) {
  RandomChooser a(7), b(7);
  Point p;
  for (int i = 0; i < 1000; ++i) {
    uint32_t x = a.choose(p.at(5, ChoiceKind::Thread));
    EXPECT_EQ(x, b.choose(p.at(5, ChoiceKind::Thread)));
    EXPECT_LT(x, 5u);
  }
}
