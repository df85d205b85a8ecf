#include <gtest/gtest.h>

#include <fstream>

#include "../support/temp_dir.h"
#include "viva/core/error.h"
#include "viva/data/manifest_check.h"
#include "viva/data/toy_pairs.h"
#include "viva/io/test_pattern.h"
#include "viva/io/video_writer.h"

namespace viva {
namespace {

using testing::TempDir;
using testing::write_bytes;

bool has_problem(const ManifestCheck& c, int64_t line, const std::string& fragment) {
  for (const auto& p : c.problems)
    if (p.line == line && p.problem.find(fragment) != std::string::npos) return true;
  return false;
}

TEST(Manifest, RoundTripsWithPathsRelativeToTheManifest) {
  TempDir dir;
  const std::string manifest = write_inversion_pairs(dir.file("pairs"), 2);
  const Manifest m = read_manifest(manifest);
  ASSERT_EQ(m.rows.size(), 2u);
  EXPECT_TRUE(m.problems.empty());
  EXPECT_EQ(m.rows[0].source, dir.file("pairs/pair0_source.mkv"));
  EXPECT_EQ(m.rows[1].kind, SampleKind::Image);
  write_manifest(dir.file("pairs/copy.jsonl"), m.rows);
  const Manifest again = read_manifest(dir.file("pairs/copy.jsonl"));
  EXPECT_EQ(again.rows[0].source, m.rows[0].source);
  std::ifstream in(dir.file("pairs/copy.jsonl"));
  std::string first;
  std::getline(in, first);
  EXPECT_NE(first.find("\"source\":\"pair0_source.mkv\""), std::string::npos) << first;
  EXPECT_TRUE(check_manifest(manifest).problems.empty());
}

TEST(Manifest, ForEachClipVisitsSourcesAndTargetsOfASplitAndSkipsFailures) {
  Manifest m;
  m.path = "m.jsonl";
  auto row = [](std::string id, std::string split, std::string target) {
    ManifestRow r;
    r.id = id;
    r.split = split;
    r.source = id + "_s";
    r.source_caption = id + " before";
    r.target = target;
    r.target_caption = id + " after";
    return r;
  };
  m.rows = {row("a", "train", "a_t"), row("b", "validation", "b_t"), row("c", "train", "")};
  std::vector<std::string> seen;
  for_each_clip(m, "train", [&](const ManifestRow&, const std::string& path, const std::string& caption) {
    if (path == "a_t") throw viva::Error(path, "unreadable");  // skipped with a warning, the walk goes on
    seen.push_back(path + ":" + caption);
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"a_s:a before", "c_s:c before"}));  // c has no target
  int all = 0;
  for_each_clip(m, "", [&](const ManifestRow&, const std::string&, const std::string&) { ++all; });
  EXPECT_EQ(all, 5);
}

TEST(Manifest, CheckFindsEveryKindOfBadRow) {
  TempDir dir;
  write_video(dir.file("a9.mkv"), make_test_pattern(9, 32, 32, 24));
  write_video(dir.file("b9.mkv"), make_test_pattern(9, 32, 32, 24));
  write_video(dir.file("c5.mkv"), make_test_pattern(5, 32, 32, 24));
  write_video(dir.file("d9_big.mkv"), make_test_pattern(9, 48, 48, 24));
  write_bytes(dir.file("broken.mp4"), "not a video");
  std::ofstream m(dir.file("m.jsonl"));
  auto row = [&](const std::string& id, const std::string& extra) {
    m << R"({"id": ")" << id << R"(", "task": "add", "instruction": "add a ball", )" << extra << "}\n";
  };
  row("ok", R"("source": "a9.mkv", "target": "b9.mkv", "mask": "b9.mkv")");                      // line 1
  row("missing", R"("source": "a9.mkv", "target": "gone.mp4")");                                  // line 2
  row("unreadable", R"("source": "a9.mkv", "target": "broken.mp4")");                             // line 3
  row("frames", R"("source": "a9.mkv", "target": "c5.mkv")");                                     // line 4
  row("size", R"("source": "a9.mkv", "target": "b9.mkv", "mask": "d9_big.mkv")");                 // line 5
  m << R"({"id": "empty", "task": "add", "instruction": " ", "source": "a9.mkv", "target": "b9.mkv"})" << "\n";  // 6
  m << R"({"id": "task", "task": "teleport", "instruction": "x", "source": "a9.mkv", "target": "b9.mkv"})" << "\n";  // 7
  m << "{oops\n";                                                                                  // line 8
  row("image", R"("kind": "image", "source": "a9.mkv", "target": "b9.mkv")");                     // line 9
  row("ok", R"("source": "a9.mkv", "target": "b9.mkv")");                                         // line 10
  m << R"({"id": "key", "task": "add", "instruction": "x", "colour": "red"})" << "\n";           // line 11
  m.close();

  const ManifestCheck c = check_manifest(dir.file("m.jsonl"));
  EXPECT_EQ(c.rows, 11);
  EXPECT_FALSE(has_problem(c, 1, ""));
  EXPECT_TRUE(has_problem(c, 2, "gone.mp4"));
  EXPECT_TRUE(has_problem(c, 3, "broken.mp4"));
  EXPECT_TRUE(has_problem(c, 4, "target has 5 frames but source has 9"));
  EXPECT_TRUE(has_problem(c, 5, "mask is 48x48 but source is 32x32"));
  EXPECT_TRUE(has_problem(c, 6, "empty instruction"));
  EXPECT_TRUE(has_problem(c, 7, "unknown task 'teleport'"));
  EXPECT_TRUE(has_problem(c, 8, "not valid JSON"));
  EXPECT_TRUE(has_problem(c, 9, "image row's source has 9 frames"));
  EXPECT_TRUE(has_problem(c, 10, "duplicate id 'ok'"));
  EXPECT_TRUE(has_problem(c, 11, "unknown key 'colour'"));
  EXPECT_EQ(c.bad_rows(), 10);
}

}  // namespace
}  // namespace viva
