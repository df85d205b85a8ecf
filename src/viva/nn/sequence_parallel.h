#pragma once
// Ulysses sequence parallelism (DeepSpeed-Ulysses, the scheme xDiT runs HunyuanVideo with): the S
// ranks of a group work on one sample, each keeping 1/S of the image tokens through the blocks
// (the last shard zero-padded when S does not divide the count). Around each attention an
// all-to-all trades the sequence shards for head shards, so every rank attends over the whole
// sequence with H/S heads, and a second one trades them back. The text tokens are few and every
// rank keeps all of them: a rank attends with its heads' slice of them and the heads' outputs are
// all-gathered.
//
// Gradients: a tensor that every rank computes alike (the text stream, the conditioning vector,
// the weights) gets, on each rank, the part of its gradient that flows through that rank's image
// tokens; the sum over the group is the whole gradient (training's reduction sums them). The
// final gather() is for a result every rank then uses alike (the loss, the sampler's step).
#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace viva {

class ProcessGroup;  // core/distributed.h

class SequenceParallel {
 public:
  explicit SequenceParallel(ProcessGroup& group) : group_(group) {}

  int size() const;
  int rank() const;
  // Throws unless `heads` attention heads divide among the ranks.
  void check_heads(int64_t heads, const std::string& where) const;

  // Starts a forward over a sequence of `tokens` image tokens.
  void begin(int64_t tokens);
  int64_t tokens() const { return tokens_; }
  int64_t shard_length() const { return (tokens_ + size() - 1) / size(); }
  int64_t shard_start() const { return rank() * shard_length(); }

  // This rank's shard along `dim` of x (whole sequence, the same on every rank), zero-padded.
  torch::Tensor shard(const torch::Tensor& x, int64_t dim = 1) const;
  // The whole sequence [B, tokens, ...] from every rank's shard [B, shard_length, ...].
  torch::Tensor gather(const torch::Tensor& shard) const;
  // Image tokens [B, shard_length, H, d] -> [B, tokens, H/S, d] (this rank's heads), and back.
  torch::Tensor sequence_to_heads(const torch::Tensor& x) const;
  torch::Tensor heads_to_sequence(const torch::Tensor& x) const;
  // Text tokens, whole on every rank: this rank's heads [B, L, H, d] -> [B, L, H/S, d], and every
  // rank's head outputs [B, L, H/S, d] -> [B, L, H, d].
  torch::Tensor own_heads(const torch::Tensor& x) const;
  torch::Tensor gather_heads(const torch::Tensor& x) const;

 private:
  ProcessGroup& group_;
  int64_t tokens_ = 0;
};

}  // namespace viva
