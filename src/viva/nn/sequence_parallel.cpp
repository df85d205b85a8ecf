#include "viva/nn/sequence_parallel.h"

#include <string>

#include "viva/core/distributed.h"
#include "viva/core/error.h"

namespace viva {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// What a collective's backward needs, kept in its autograd context.
void remember(AutogradContext* ctx, ProcessGroup* group, int64_t tokens) {
  ctx->saved_data["group"] = reinterpret_cast<int64_t>(group);
  ctx->saved_data["tokens"] = tokens;
}
ProcessGroup& group_of(AutogradContext* ctx) {
  return *reinterpret_cast<ProcessGroup*>(ctx->saved_data["group"].toInt());
}
int64_t tokens_of(AutogradContext* ctx) { return ctx->saved_data["tokens"].toInt(); }
int64_t shard_length(const ProcessGroup& g, int64_t tokens) { return (tokens + g.world_size() - 1) / g.world_size(); }

// x zero-padded along `dim` to `length`.
torch::Tensor padded(const torch::Tensor& x, int64_t dim, int64_t length) {
  if (x.size(dim) == length) return x;
  auto shape = x.sizes().vec();
  shape[dim] = length - x.size(dim);
  return torch::cat({x, torch::zeros(shape, x.options())}, dim);
}

// Sequence shards [B, n, H, d] -> this rank's heads over the whole sequence [B, tokens, H/S, d].
torch::Tensor to_heads(ProcessGroup& g, const torch::Tensor& x, int64_t tokens) {
  const int64_t S = g.world_size(), B = x.size(0), n = x.size(1), H = x.size(2), d = x.size(3);
  const auto sent = x.reshape({B, n, S, H / S, d}).permute({2, 0, 1, 3, 4});  // block r: rank r's heads
  const auto received = g.all_to_all(sent);                                    // block r: rank r's tokens
  return received.permute({1, 0, 2, 3, 4}).reshape({B, S * n, H / S, d}).narrow(1, 0, tokens);
}

// The inverse: [B, tokens, H/S, d] -> this rank's tokens with every head [B, n, H, d].
torch::Tensor to_sequence(ProcessGroup& g, const torch::Tensor& x, int64_t tokens) {
  const int64_t S = g.world_size(), B = x.size(0), heads = x.size(2), d = x.size(3), n = shard_length(g, tokens);
  const auto sent = padded(x, 1, S * n).reshape({B, S, n, heads, d}).permute({1, 0, 2, 3, 4});  // block r: rank r's tokens
  const auto received = g.all_to_all(sent);  // block r: rank r's heads
  return received.permute({1, 2, 0, 3, 4}).reshape({B, n, S * heads, d});
}

// One of the two all-to-alls; its backward is the other.
struct SwapShards : torch::autograd::Function<SwapShards> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, ProcessGroup* g, int64_t tokens,
                               bool sequence_to_heads) {
    remember(ctx, g, tokens);
    ctx->saved_data["to_heads"] = sequence_to_heads;
    return sequence_to_heads ? to_heads(*g, x, tokens) : to_sequence(*g, x, tokens);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    ProcessGroup& g = group_of(ctx);
    const bool to_heads_forward = ctx->saved_data["to_heads"].toBool();
    return {to_heads_forward ? to_sequence(g, grad[0], tokens_of(ctx)) : to_heads(g, grad[0], tokens_of(ctx)),
            torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

// Every rank's heads [B, L, H/S, d] -> [B, L, H, d]. Each rank's use of the result adds a part
// of its gradient, so the backward sums the parts over the ranks and keeps this rank's heads.
struct GatherHeads : torch::autograd::Function<GatherHeads> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, ProcessGroup* g) {
    remember(ctx, g, 0);
    const int64_t S = g->world_size(), B = x.size(0), L = x.size(1), heads = x.size(2), d = x.size(3);
    return g->all_gather(x).view({S, B, L, heads, d}).permute({1, 2, 0, 3, 4}).reshape({B, L, S * heads, d});
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    ProcessGroup& g = group_of(ctx);
    // Summed in float32 (a copy): Gloo sums no bf16, and a bf16 sum would round at every rank.
    std::vector<torch::Tensor> whole{grad[0].to(torch::kFloat32, false, /*copy=*/true).contiguous()};
    g.all_reduce_sum(whole);
    const int64_t heads = whole[0].size(2) / g.world_size();
    return {whole[0].narrow(2, g.rank() * heads, heads).to(grad[0].scalar_type()), torch::Tensor()};
  }
};

// Every rank's shard [B, n, ...] -> the whole sequence [B, tokens, ...], which every rank then
// uses alike: each rank's gradient is its own slice of the (equal) gradients.
struct GatherSequence : torch::autograd::Function<GatherSequence> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& shard, ProcessGroup* g, int64_t tokens) {
    remember(ctx, g, tokens);
    auto shape = shard.sizes().vec();
    const int64_t S = g->world_size(), n = shape[1];
    auto blocks = shape;
    blocks.insert(blocks.begin(), S);  // [S, B, n, ...]
    shape[1] = S * n;
    return g->all_gather(shard).view(blocks).transpose(0, 1).reshape(shape).narrow(1, 0, tokens);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    ProcessGroup& g = group_of(ctx);
    const int64_t n = shard_length(g, tokens_of(ctx));
    return {padded(grad[0], 1, g.world_size() * n).narrow(1, g.rank() * n, n), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

int SequenceParallel::size() const { return group_.world_size(); }
int SequenceParallel::rank() const { return group_.rank(); }

void SequenceParallel::check_heads(int64_t heads, const std::string& where) const {
  if (heads % size() != 0)
    throw Error(where, "sequence parallelism over " + std::to_string(size()) + " ranks needs a head count they divide (" +
                           std::to_string(heads) + " heads)");
}

void SequenceParallel::begin(int64_t tokens) {
  if (tokens < 1) throw Error("sequence parallel", "no tokens to split");
  tokens_ = tokens;
}

torch::Tensor SequenceParallel::shard(const torch::Tensor& x, int64_t dim) const {
  if (x.size(dim) != tokens_)
    throw Error("sequence parallel", "cannot shard " + std::to_string(x.size(dim)) + " tokens, expected " +
                                         std::to_string(tokens_));
  return padded(x, dim, size() * shard_length()).narrow(dim, shard_start(), shard_length());
}

torch::Tensor SequenceParallel::gather(const torch::Tensor& shard) const {
  return GatherSequence::apply(shard, &group_, tokens_);
}

torch::Tensor SequenceParallel::sequence_to_heads(const torch::Tensor& x) const {
  return SwapShards::apply(x, &group_, tokens_, true);
}

torch::Tensor SequenceParallel::heads_to_sequence(const torch::Tensor& x) const {
  return SwapShards::apply(x, &group_, tokens_, false);
}

torch::Tensor SequenceParallel::own_heads(const torch::Tensor& x) const {
  const int64_t heads = x.size(2) / size();
  return x.narrow(2, rank() * heads, heads);
}

torch::Tensor SequenceParallel::gather_heads(const torch::Tensor& x) const { return GatherHeads::apply(x, &group_); }

}  // namespace viva
