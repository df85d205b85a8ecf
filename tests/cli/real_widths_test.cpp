// The released configurations with only the depth cut (released_widths_reduced_depth), written
// in bf16 by our own writers in the released layouts, made into an editor by `viva model init
// --from-t2v` and run end to end by `viva edit` at 128x128, 5 frames, one step, with and without
// a reference image: the path a user with the real weights takes, at the real widths (about
// five minutes on two cores, most of it creating and converting the random weights).
#include <gtest/gtest.h>

#include "../support/cli_run.h"
#include "../support/needs_shared.h"
#include "../support/released_layout.h"
#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/io/image.h"
#include "viva/io/test_pattern.h"
#include "viva/io/video_reader.h"
#include "viva/io/video_writer.h"

namespace viva {
namespace {

using testing::CliRun;
using testing::run_viva;
using testing::TempDir;

TEST(RealWidths, AReducedDepthEditorFromReleasedLayoutsEditsWithAndWithoutAReference) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  const testing::ReleasedArchitecture a = testing::released_widths_reduced_depth();
  // The released widths, as the presets give them.
  EXPECT_EQ(a.dit.hidden_size, 3072);
  EXPECT_EQ(a.dit.heads, 24);
  EXPECT_EQ(a.dit.rope_dims, (std::array<int64_t, 3>{16, 56, 56}));
  EXPECT_EQ(a.dit.text_dim, 4096);
  EXPECT_EQ(a.dit.pooled_dim, 768);
  EXPECT_EQ(a.llava.text.hidden_size, 4096);
  EXPECT_EQ(a.llava.vision.image_size, 336);
  EXPECT_EQ(a.vae.latent_channels, 16);
  TempDir dir;
  const testing::ReleasedFolders released = testing::write_released_layout(dir.file("released"), a, testing::test_tokenizers());
  const CliRun made = run_viva(dir, "model init --out " + dir.file("viva") + " --from-t2v " + released.t2v +
                                        " --instructor " + released.instructor);
  ASSERT_EQ(made.status, 0) << made.err;

  write_video(dir.file("source.mkv"), make_test_pattern(5, 128, 128, 24));
  write_image(dir.file("reference.png"), Image(96, 96, 180));
  // One batch (the model loads once): the same clip without and with the reference image.
  const std::string source = dir.file("source.mkv");
  testing::write_bytes(dir.file("jobs.jsonl"),
                       nlohmann::json{{"video", source}, {"instruction", "make it snow"}, {"output", dir.file("edited.mkv")}}.dump() +
                           "\n" +
                           nlohmann::json{{"video", source}, {"instruction", "add this box"}, {"output", dir.file("ref.mkv")},
                                          {"reference", dir.file("reference.png")}}.dump() +
                           "\n");
  const CliRun edited = run_viva(dir, "edit --batch " + dir.file("jobs.jsonl") + " --model " + dir.file("viva") +
                                          " --size 128x128 --frames 5 --steps 1 --cfg 1");
  ASSERT_EQ(edited.status, 0) << edited.err;
  EXPECT_NE(edited.out.find("2 jobs: 2 written, 0 failed"), std::string::npos) << edited.out;
  for (const char* out : {"edited.mkv", "ref.mkv"}) {
    const VideoFrames video = read_video(dir.file(out));
    EXPECT_EQ(video.frames, 5) << out;
    EXPECT_EQ(video.width, 128) << out;
  }
}

}  // namespace
}  // namespace viva
