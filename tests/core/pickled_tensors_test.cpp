// PyTorch pickles (torch.save's zip format) read by the safe unpickler, with fixtures written by
// tools/fixtures/make_pickles.py: a state dict's tensors in four dtypes and a strided view come
// out with their values; nested containers give dotted names and plain values are skipped; a
// file whose unpickling would run code is refused with one line and runs nothing; a file that
// is not a zip archive is named; a folder holding one .bin is opened through it.
#include <gtest/gtest.h>

#include <caffe2/serialize/inline_container.h>
#include <torch/serialize.h>

#include <filesystem>
#include <fstream>

#include "../support/golden.h"
#include "../support/memory.h"
#include "../support/temp_dir.h"
#include "viva/core/checkpoint.h"

namespace viva {
namespace {

std::string fixture(const std::string& name) { return std::string(VIVA_PROJECT_GOLDEN_DIR) + "/" + name; }

void expect_state_dict(const Checkpoint& c, const std::string& prefix) {
  const auto base = torch::arange(12, torch::kFloat32).reshape({3, 4}) / 8;
  EXPECT_TRUE(torch::equal(c.load(prefix + "blocks.0.weight"), base));
  EXPECT_TRUE(torch::equal(c.load(prefix + "column"), base.select(1, 1)));  // the view, not its storage
  EXPECT_EQ(c.entry(prefix + "blocks.0.bias").dtype, StDtype::F16);
  EXPECT_TRUE(torch::equal(c.load(prefix + "blocks.0.bias", torch::kFloat32), torch::arange(4, torch::kFloat32) - 1.5));
  EXPECT_EQ(c.entry(prefix + "norm.weight").dtype, StDtype::BF16);
  EXPECT_TRUE(torch::equal(c.load(prefix + "norm.weight", torch::kFloat32), torch::arange(5, torch::kFloat32) / 4));
  EXPECT_TRUE(torch::equal(c.load(prefix + "steps"), torch::arange(3, torch::kInt64) * 10));
  torch::Tensor target = torch::zeros({3, 4}, torch::kFloat64);
  c.copy_to(prefix + "blocks.0.weight", target);
  EXPECT_TRUE(torch::equal(target, base.to(torch::kFloat64)));
}

TEST(PickledTensors, StateDictTensorsComeOutWithTheirValues) {
  const Checkpoint c(fixture("pickled_state_dict.pth"));
  EXPECT_EQ(c.names(), (std::vector<std::string>{"blocks.0.bias", "blocks.0.weight", "column", "norm.weight", "steps"}));
  expect_state_dict(c, "");
}

TEST(PickledTensors, NestedContainersGiveDottedNamesAndPlainValuesAreSkipped) {
  const Checkpoint c(fixture("pickled_nested.pth"));
  EXPECT_EQ(c.names(), (std::vector<std::string>{"model.blocks.0.bias", "model.blocks.0.weight", "model.column",
                                                 "model.norm.weight", "model.steps"}));
  expect_state_dict(c, "model.");
}

TEST(PickledTensors, CodeIsRefusedAndNeverRuns) {
  std::filesystem::remove("/tmp/viva-pickle-ran");
  testing::expect_error_containing([] { Checkpoint c(fixture("pickled_code.pth")); },
                                   {"pickled_code.pth", "refused as a PyTorch pickle: the global 'posix.system'"});
  EXPECT_FALSE(std::filesystem::exists("/tmp/viva-pickle-ran"));

  testing::TempDir dir;
  std::ofstream(dir.file("notes.pth")) << "not a zip archive";
  testing::expect_error_containing([&] { Checkpoint c(dir.file("notes.pth")); },
                                   {"notes.pth", "is not a PyTorch zip archive"});
}

TEST(PickledTensors, AFolderWithOneBinOpensIt) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.file("model"));
  // Written here by libtorch's pickle_save, which uses torch.save's format.
  c10::Dict<std::string, torch::Tensor> weights;
  weights.insert("w", torch::full({2, 2}, 3.0));
  const std::vector<char> bytes = torch::pickle_save(weights);
  std::ofstream(dir.file("model/pytorch_model.bin"), std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  const Checkpoint c(dir.file("model"));
  EXPECT_EQ(c.names(), std::vector<std::string>{"w"});
  EXPECT_TRUE(torch::equal(c.load("w"), torch::full({2, 2}, 3.0)));
}

// A zip archive as torch.save writes one, holding `program` as its pickle.
void write_pickle(const std::string& path, const std::string& program) {
  caffe2::serialize::PyTorchStreamWriter writer(path);
  writer.writeRecord("data.pkl", program.data(), program.size());
  writer.writeEndOfFile();
}

// Hostile nesting ends in one clear error, not in a crash: lists 100,000 deep, and a list put
// inside itself through the memo.
TEST(PickledTensors, DeepOrCyclicContainersAreRefused) {
  testing::TempDir dir;
  std::string deep = "\x80\x02";
  deep += std::string(100000, ']') + std::string(99999, 'a') + ".";
  write_pickle(dir.file("deep.pth"), deep);
  testing::expect_error_containing([&] { Checkpoint c(dir.file("deep.pth")); }, {"deep.pth", "nested more than 256 deep"});
  write_pickle(dir.file("cycle.pth"), std::string("\x80\x02]q\x00h\x00" "a.", 9));
  testing::expect_error_containing([&] { Checkpoint c(dir.file("cycle.pth")); }, {"cycle.pth", "a container inside itself"});
}

// Opening a 64 MiB pickle reads its pickle program, not its tensors (they are mapped in place);
// loading a tensor gives a copy of its values.
TEST(PickledTensors, OpeningALargeFileDoesNotReadItsTensors) {
  testing::TempDir dir;
  {
    c10::Dict<std::string, torch::Tensor> weights;
    for (int i = 0; i < 16; ++i) weights.insert("w" + std::to_string(i), torch::full({1024, 1024}, static_cast<float>(i)));
    const std::vector<char> bytes = torch::pickle_save(weights);
    std::ofstream(dir.file("big.pth"), std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  std::unique_ptr<Checkpoint> c;
  const auto growth = testing::peak_rss_growth_kib([&] { c = std::make_unique<Checkpoint>(dir.file("big.pth")); });
  if (!growth) GTEST_SKIP() << "this kernel did not reset the peak RSS (/proc/self/clear_refs)";
  EXPECT_LT(*growth, 16 * 1024) << "KiB";  // the tensors are 64 MiB
  EXPECT_EQ(c->names().size(), 16u);
  torch::Tensor w = c->load("w7");
  w.add_(1);  // a copy: writable, and the file's values stay
  EXPECT_EQ(c->load("w7")[3][5].item<float>(), 7.0f);
}

}  // namespace
}  // namespace viva
