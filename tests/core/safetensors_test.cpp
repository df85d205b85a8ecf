#include "viva/core/safetensors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "../support/memory.h"
#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "viva/core/checkpoint.h"
#include "viva/core/error.h"
#include "viva/nn/weight_loading.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;
using testing::write_bytes;

// A safetensors file from a literal header and data section, for malformed cases.
std::string raw_file(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (8 * i));
  return out + header + data;
}

TEST(Safetensors, RoundTripsEveryDtype) {
  TempDir dir;
  const std::string path = dir.file("all.safetensors");
  torch::manual_seed(0);
  std::vector<NamedTensor> tensors = {
      {"f64", torch::randn({2, 3}, torch::kFloat64)},
      {"f32", torch::randn({4, 1, 2})},
      {"f16", torch::randn({5}).to(torch::kFloat16)},
      {"bf16", torch::randn({3, 3}).to(torch::kBFloat16)},
      {"i64", torch::arange(-3, 3, torch::kInt64).reshape({2, 3})},
      {"i32", torch::tensor({-2147483647 - 1, 0, 2147483647}, torch::kInt32)},
      {"i16", torch::tensor({-32768, 1, 32767}, torch::kInt16)},
      {"i8", torch::tensor({-128, 0, 127}, torch::kInt8)},
      {"u8", torch::tensor({0, 128, 255}, torch::kUInt8)},
      {"bool", torch::tensor({true, false, true})},
      {"scalar", torch::tensor(3.5)},
      {"empty", torch::zeros({0, 4})},
      {"strided", torch::randn({4, 6}).t()},  // non-contiguous input
  };
  save_safetensors(path, tensors, {{"format", "pt"}, {"note", "hello"}});

  SafetensorsFile file(path);
  EXPECT_EQ(file.tensors().size(), tensors.size());
  EXPECT_EQ(file.metadata().at("note"), "hello");
  for (const auto& [name, expected] : tensors) {
    torch::Tensor loaded = file.load(name);
    EXPECT_EQ(loaded.scalar_type(), expected.scalar_type()) << name;
    EXPECT_EQ(loaded.sizes(), expected.sizes()) << name;
    EXPECT_TRUE(torch::equal(loaded, expected)) << name;
  }
  EXPECT_EQ(file.entry("bf16").dtype, StDtype::BF16);
  // The data section starts 8-byte aligned, as the reference writer pads it.
  EXPECT_EQ(file.header().data_offset % 8, 0u);
  // No temporary file is left beside the output.
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"all.safetensors"});
}

TEST(Safetensors, LoadsIntoAChosenDtype) {
  TempDir dir;
  const std::string path = dir.file("x.safetensors");
  torch::Tensor x = torch::randn({8, 8}).to(torch::kBFloat16);
  save_safetensors(path, {{"x", x}});
  torch::Tensor loaded = SafetensorsFile(path).load("x", torch::kFloat32);
  EXPECT_EQ(loaded.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(loaded, x.to(torch::kFloat32)));
}

// Loading streams: a 192 MiB fp32 checkpoint loads into a bf16 module (96 MiB, already
// allocated) while resident memory grows by far less than the file.
TEST(Safetensors, LoadingDoesNotKeepTheFileResident) {
  TempDir dir;
  const std::string path = dir.file("big.safetensors");
  {
    // One 4 MiB tensor saved under 48 names, so writing the file leaves no large peak behind
    // that the measurement below could mistake for loading.
    const torch::Tensor block = torch::full({1024, 1024}, 47.0f);
    std::vector<NamedTensor> tensors;
    for (int i = 0; i < 48; ++i) tensors.push_back({"w" + std::to_string(i), block});
    save_safetensors(path, tensors);
  }
  torch::nn::Module module;
  for (int i = 0; i < 48; ++i) module.register_parameter("w" + std::to_string(i), torch::zeros({1024, 1024}, torch::kBFloat16));
  Checkpoint checkpoint(path);
  // The better of two loads: under a full parallel test run the kernel has once in a while
  // (2 of 4 runs of `ctest -j2` one day, never alone) reported the whole file as resident for
  // one load; a loader that keeps the file resident does so every time.
  std::optional<int64_t> growth;
  for (int attempt = 0; attempt < 2 && (!growth || *growth >= 48 * 1024); ++attempt) {
    const auto measured = testing::peak_rss_growth_kib([&] { load_weights(module, checkpoint); });
    if (!measured) GTEST_SKIP() << "this kernel did not reset the peak RSS (/proc/self/clear_refs)";
    growth = growth ? std::min(*growth, *measured) : *measured;
  }
  const int64_t growth_kib = *growth;
  RecordProperty("peak_rss_growth_kib", std::to_string(growth_kib));
  EXPECT_LT(growth_kib, 48 * 1024);  // the file is 192 MiB
  EXPECT_EQ(module.named_parameters()["w47"][3][5].item<float>(), 47.0f);
}

TEST(Safetensors, BoolBytesOtherThanZeroOrOneBecomeTrue) {
  TempDir dir;
  const std::string path = dir.file("b.safetensors");
  write_bytes(path, raw_file(R"({"b":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})", std::string("\x00\x07\x01", 3)));
  torch::Tensor b = SafetensorsFile(path).load("b");
  EXPECT_TRUE(torch::equal(b, torch::tensor({false, true, true})));
}

TEST(Safetensors, ReadsGoldenFixtureHeaders) {
  const std::string golden = std::string(VIVA_SHARED_DIR) + "/golden";
  if (!std::filesystem::exists(golden)) VIVA_NEEDS_SHARED("golden/");
  int seen = 0;
  for (const auto& item : std::filesystem::directory_iterator(golden)) {
    if (item.path().extension() != ".safetensors") continue;
    SafetensorsFile file(item.path().string());
    EXPECT_FALSE(file.tensors().empty()) << item.path();
    EXPECT_TRUE(file.metadata().count("config")) << item.path();
    ++seen;
  }
  EXPECT_GT(seen, 0);
}

TEST(Safetensors, SaveRejectsDuplicateNamesAndLeavesNothing) {
  TempDir dir;
  const std::string path = dir.file("dup.safetensors");
  expect_error_containing([&] { save_safetensors(path, {{"a", torch::ones(1)}, {"a", torch::ones(1)}}); },
                          {"'a' given twice"});
  expect_error_containing([&] { save_safetensors(path, {{"c", torch::ones(1, torch::kComplexFloat)}}); },
                          {"no safetensors equivalent"});
  EXPECT_TRUE(dir.listing().empty());
}

struct MalformedCase {
  const char* label;
  std::string bytes;
  const char* message;
};

void PrintTo(const MalformedCase& c, std::ostream* os) { *os << c.label; }

class MalformedHeader : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedHeader, GivesAClearErrorNamingTheFile) {
  TempDir dir;
  const std::string path = dir.file("bad.safetensors");
  write_bytes(path, GetParam().bytes);
  expect_error_containing([&] { SafetensorsFile file(path); }, {path, GetParam().message});
}

std::string length_prefix(uint64_t n) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (8 * i));
  return out;
}

const std::string kFour(16, '\0');

INSTANTIATE_TEST_SUITE_P(
    Safetensors, MalformedHeader,
    ::testing::Values(
        MalformedCase{"empty", "", "too short"},
        MalformedCase{"truncated_length", std::string("\x10\x00\x00", 3), "too short"},
        MalformedCase{"length_beyond_file", length_prefix(1000) + "{}", "runs past the end of the file"},
        MalformedCase{"oversized_header", length_prefix(200ull << 20) + "{}", "exceeds the limit"},
        MalformedCase{"not_json", raw_file("{not json at all}", ""), "not valid JSON"},
        MalformedCase{"not_object", raw_file("[1, 2, 3]", ""), "JSON object"},
        MalformedCase{"truncated_json", raw_file(R"({"a":{"dtype":"F32")", ""), "not valid JSON"},
        MalformedCase{"offsets_out_of_range",
                      raw_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", std::string(8, '\0')),
                      "run past the data section"},
        MalformedCase{"overlap",
                      raw_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                               kFour),
                      "overlap"},
        MalformedCase{"byte_count_mismatch",
                      raw_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", kFour),
                      "need 12 bytes but data_offsets span 16"},
        MalformedCase{"dtype_unknown", raw_file(R"({"a":{"dtype":"F8_E9","shape":[4],"data_offsets":[0,4]}})", kFour),
                      "unsupported dtype 'F8_E9'"},
        MalformedCase{"dtype_shape_mismatch",
                      raw_file(R"({"a":{"dtype":"F64","shape":[4],"data_offsets":[0,16]}})", kFour),
                      "need 32 bytes"},
        MalformedCase{"negative_dim", raw_file(R"({"a":{"dtype":"U8","shape":[-4],"data_offsets":[0,4]}})", kFour),
                      "non-negative integer"},
        MalformedCase{"offsets_reversed", raw_file(R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}})", kFour),
                      "end before they begin"},
        MalformedCase{"offsets_not_pair", raw_file(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0]}})", kFour),
                      "two non-negative integers"},
        MalformedCase{"missing_field", raw_file(R"({"a":{"dtype":"U8","shape":[4]}})", kFour), "needs dtype"},
        MalformedCase{"unknown_field",
                      raw_file(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4],"x":1}})", kFour),
                      "unknown key 'x'"},
        MalformedCase{"numel_overflow",
                      raw_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}})", kFour),
                      "overflows"},
        MalformedCase{"duplicate_name",
                      raw_file(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                               R"("a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})",
                               kFour),
                      "names 'a' twice"},
        MalformedCase{"metadata_not_strings", raw_file(R"({"__metadata__":{"n":3}})", ""), "is not a string"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) { return std::string(info.param.label); });

TEST(Checkpoint, LoadsShardsThroughTheIndex) {
  TempDir dir;
  save_safetensors(dir.file("model-00001-of-00002.safetensors"), {{"a", torch::ones({2})}, {"b", torch::zeros({3})}});
  save_safetensors(dir.file("model-00002-of-00002.safetensors"), {{"c", torch::full({2, 2}, 7.0)}});
  write_bytes(dir.file("model.safetensors.index.json"),
              R"({"metadata":{"total_size":36},"weight_map":{"a":"model-00001-of-00002.safetensors",)"
              R"("b":"model-00001-of-00002.safetensors","c":"model-00002-of-00002.safetensors"}})");
  for (const std::string& path : {dir.path().string(), dir.file("model.safetensors.index.json")}) {
    Checkpoint checkpoint(path);
    EXPECT_EQ(checkpoint.names(), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(checkpoint.shards().size(), 2u);
    EXPECT_TRUE(torch::equal(checkpoint.load("c"), torch::full({2, 2}, 7.0)));
    EXPECT_EQ(checkpoint.metadata().at("total_size"), "36");
  }
  expect_error_containing([&] { Checkpoint(dir.path().string()).load("zzz"); }, {"no tensor named 'zzz'"});
}

TEST(Checkpoint, ReportsBrokenIndexes) {
  TempDir dir;
  save_safetensors(dir.file("s1.safetensors"), {{"a", torch::ones({2})}});
  write_bytes(dir.file("m.safetensors.index.json"), R"({"weight_map":{"a":"s1.safetensors","b":"s1.safetensors"}})");
  expect_error_containing([&] { Checkpoint c(dir.path().string()); }, {"s1.safetensors", "index says it holds 'b'"});
  write_bytes(dir.file("m.safetensors.index.json"), R"({"weight_map":{"a":"missing.safetensors"}})");
  expect_error_containing([&] { Checkpoint c(dir.path().string()); }, {"shard 'missing.safetensors' is missing"});
  write_bytes(dir.file("m.safetensors.index.json"), R"({"weight_map":{"a":"../s1.safetensors"}})");
  expect_error_containing([&] { Checkpoint c(dir.path().string()); }, {"outside the checkpoint folder"});
  write_bytes(dir.file("m.safetensors.index.json"), "{");
  expect_error_containing([&] { Checkpoint c(dir.path().string()); }, {"not valid JSON"});
}

TEST(Checkpoint, ResolvesFolders) {
  TempDir dir;
  expect_error_containing([&] { Checkpoint c(dir.path().string()); }, {"no .safetensors file"});
  save_safetensors(dir.file("one.safetensors"), {{"a", torch::ones({2})}});
  EXPECT_EQ(Checkpoint(dir.path().string()).names(), std::vector<std::string>{"a"});
  save_safetensors(dir.file("two.safetensors"), {{"a", torch::ones({2})}});
  expect_error_containing([&] { Checkpoint c(dir.path().string()); }, {"several .safetensors files"});
  expect_error_containing([&] { Checkpoint c(dir.file("nope")); }, {"no such file"});
}

// Streaming into a parameter: the stored bytes when the dtype matches, and a conversion in
// chunks (here three, for 20 MB of float32 into bfloat16) equal to converting the whole tensor.
TEST(Safetensors, CopyToStreamsIntoATargetOfAnyDtype) {
  TempDir dir;
  const torch::Tensor big = torch::randn({5, 1000, 1000}), small = torch::arange(6, torch::kFloat32).view({2, 3});
  save_safetensors(dir.file("t.safetensors"), {{"big", big}, {"small", small}});
  const SafetensorsFile file(dir.file("t.safetensors"));
  torch::Tensor same = torch::empty({5, 1000, 1000});
  file.copy_to("big", same);
  EXPECT_TRUE(torch::equal(same, big));
  torch::Tensor half = torch::empty({5, 1000, 1000}, torch::kBFloat16);
  file.copy_to("big", half);
  EXPECT_TRUE(torch::equal(half, big.to(torch::kBFloat16)));
  torch::Tensor wrong = torch::empty({3, 2});
  EXPECT_THROW(file.copy_to("small", wrong), Error);
}

}  // namespace
}  // namespace viva
