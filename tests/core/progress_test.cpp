#include "viva/core/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace viva {
namespace {

std::string read_stream(std::FILE* f) {
  std::rewind(f);
  std::string out;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, f)) out += buffer;
  return out;
}

TEST(Progress, PlainModePrintsLinesWithRateAndEta) {
  std::FILE* f = std::tmpfile();
  {
    Progress p("encoding", 4,
               ProgressOptions().set_mode(ProgressMode::Plain).set_stream(f).set_plain_interval(0).set_unit("frame"));
    p.advance();
    p.advance(2);
    p.finish();
  }
  const std::string text = read_stream(f);
  std::fclose(f);
  EXPECT_NE(text.find("encoding: 1/4 (25%)"), std::string::npos) << text;
  EXPECT_NE(text.find("ETA"), std::string::npos) << text;
  EXPECT_NE(text.find("frame/s"), std::string::npos) << text;
  EXPECT_NE(text.find("encoding: 3/4"), std::string::npos) << text;
  EXPECT_NE(text.find(" in "), std::string::npos) << text;  // the final line reports total time
  EXPECT_EQ(text.find('\r'), std::string::npos);            // no terminal control in logs
}

TEST(Progress, TerminalModeRedrawsOneLine) {
  std::FILE* f = std::tmpfile();
  {
    Progress p("sampling", 2, ProgressOptions().set_mode(ProgressMode::Terminal).set_stream(f));
    p.advance(2);
    p.finish();
  }
  const std::string text = read_stream(f);
  std::fclose(f);
  EXPECT_NE(text.find("\r"), std::string::npos);
  EXPECT_NE(text.find("100%"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}

TEST(Progress, SilentModePrintsNothingAndEtaIsUnknownAtStart) {
  std::FILE* f = std::tmpfile();
  Progress p("x", 10, ProgressOptions().set_mode(ProgressMode::Silent).set_stream(f));
  EXPECT_LT(p.eta_s(), 0);
  p.advance(5);
  EXPECT_GE(p.eta_s(), 0);
  p.finish();
  EXPECT_EQ(read_stream(f), "");
  std::fclose(f);
}

TEST(Progress, ResumedWorkCountsButDoesNotSpeedUpTheRate) {
  Progress p("training", 1000, ProgressOptions().set_mode(ProgressMode::Silent));
  p.resume_from(900);
  EXPECT_EQ(p.done(), 900);
  EXPECT_LT(p.eta_s(), 0);  // nothing done in this run yet: unknown, not "almost done"
  while (p.elapsed_s() < 0.02) {
  }
  p.advance(10);
  // 10 steps took >= 20 ms, so the 90 left take >= 180 ms (the 900 resumed ones would make it 2 ms).
  EXPECT_GE(p.eta_s(), 0.17);
}

// A run that stops at a time limit (max_minutes) ends then, however many steps remain.
TEST(Progress, EtaStopsAtTheTimeLimit) {
  Progress capped("training", 1000000, ProgressOptions().set_mode(ProgressMode::Silent).set_time_limit(5));
  Progress free("training", 1000000, ProgressOptions().set_mode(ProgressMode::Silent));
  while (capped.elapsed_s() < 0.01) {
  }
  capped.advance();
  free.advance();
  EXPECT_GT(free.eta_s(), 5);  // a million steps at >= 10 ms each
  EXPECT_LE(capped.eta_s(), 5);
  EXPECT_GT(capped.eta_s(), 4.5);
  Progress spent("training", 10, ProgressOptions().set_mode(ProgressMode::Silent).set_time_limit(1e-9));
  spent.advance();
  EXPECT_EQ(spent.eta_s(), 0);
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(format_duration(5.25), "5.2s");
  EXPECT_EQ(format_duration(65), "1:05");
  EXPECT_EQ(format_duration(3723), "1:02:03");
  EXPECT_EQ(format_duration(-1), "?");
}

}  // namespace
}  // namespace viva
