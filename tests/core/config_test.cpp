#include "viva/core/config.h"

#include <gtest/gtest.h>

#include "../support/temp_dir.h"
#include "viva/core/atomic_file.h"
#include "viva/core/jsonl_log.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;
using testing::write_bytes;

struct TrainOptions {
  double lr = 1e-4;
  int steps = 10;
  std::string data;
  int warmup = 0;
};

TrainOptions read_options(const std::string& path) {
  const auto json = load_json_file(path);
  ConfigReader reader(json, path);
  TrainOptions o;
  reader.get("lr", o.lr);
  reader.get("steps", o.steps);
  reader.require("data", o.data);
  auto schedule = reader.child("schedule");
  schedule.get("warmup", o.warmup);
  schedule.finish();
  reader.finish();
  return o;
}

TEST(Config, ReadsKnownKeysAndKeepsDefaults) {
  TempDir dir;
  write_bytes(dir.file("c.json"), R"({"lr": 0.5, "data": "x.jsonl", "schedule": {"warmup": 3}})");
  TrainOptions o = read_options(dir.file("c.json"));
  EXPECT_DOUBLE_EQ(o.lr, 0.5);
  EXPECT_EQ(o.steps, 10);
  EXPECT_EQ(o.data, "x.jsonl");
  EXPECT_EQ(o.warmup, 3);
}

TEST(Config, UnknownKeysNameTheKeyAndTheFile) {
  TempDir dir;
  write_bytes(dir.file("c.json"), R"({"lr": 0.5, "data": "x", "learning_rat": 1, "schedule": {}})");
  expect_error_containing([&] { read_options(dir.file("c.json")); }, {dir.file("c.json"), "unknown key 'learning_rat'"});
  write_bytes(dir.file("c.json"), R"({"data": "x", "schedule": {"warmpu": 1}})");
  expect_error_containing([&] { read_options(dir.file("c.json")); }, {"unknown key 'schedule.warmpu'"});
}

TEST(Config, TypeErrorsMissingKeysAndBadJson) {
  TempDir dir;
  write_bytes(dir.file("c.json"), R"({"lr": "fast", "data": "x", "schedule": {}})");
  expect_error_containing([&] { read_options(dir.file("c.json")); }, {"key 'lr' has the wrong type (string)"});
  write_bytes(dir.file("c.json"), R"({"schedule": {}})");
  expect_error_containing([&] { read_options(dir.file("c.json")); }, {"missing required key 'data'"});
  write_bytes(dir.file("c.json"), R"({"data": )");
  expect_error_containing([&] { read_options(dir.file("c.json")); }, {dir.file("c.json"), "invalid JSON"});
  expect_error_containing([&] { read_options(dir.file("absent.json")); }, {"absent.json", "cannot open"});
}

TEST(AtomicFile, CommitsWholeFilesAndCleansUpAbandonedOnes) {
  TempDir dir;
  write_file_atomically(dir.file("a.txt"), "hello");
  EXPECT_EQ(read_file(dir.file("a.txt")), "hello");
  {
    AtomicFile abandoned(dir.file("b.txt"));
    write_bytes(abandoned.temp_path(), "partial");
    EXPECT_EQ(std::filesystem::path(abandoned.temp_path()).extension(), ".txt");
  }
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"a.txt"});
  expect_error_containing([&] { read_file(dir.path().string()); }, {"is a folder"});
}

TEST(JsonlLog, AppendsOneObjectPerLine) {
  TempDir dir;
  {
    JsonlLog log(dir.file("log.jsonl"));
    log.write("step", {{"loss", 0.5}});
  }
  {
    JsonlLog log(dir.file("log.jsonl"));  // a resumed job appends
    log.write("step", {{"loss", 0.25}});
  }
  std::istringstream lines(read_file(dir.file("log.jsonl")));
  std::string line;
  std::vector<double> losses;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["event"], "step");
    EXPECT_TRUE(j["time"].is_number());
    losses.push_back(j["loss"]);
  }
  EXPECT_EQ(losses, (std::vector<double>{0.5, 0.25}));
}

}  // namespace
}  // namespace viva
