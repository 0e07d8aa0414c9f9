// The evidence log's Merkle tree, RFC 9162 §2.1 hashing, in one place for the signer (which
// grows the tree and proves) and every verifier (which checks proofs).
//
// Leaf hash = SHA-256(0x00 || leaf bytes); node hash = SHA-256(0x01 || left || right); the
// root of the empty tree is SHA-256 of the empty string. A *complete node* (level L, index
// i) is the root of the perfect subtree over leaves [i*2^L, (i+1)*2^L); those are the only
// hashes the signer stores: every root and proof of any tree size is computed from them
// (NodeSource). Pure: no I/O; thread-safe except that a Frontier or a NodeCache must not be
// shared between threads while in use.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::verifier::merkle {

[[nodiscard]] Digest leaf_hash(ByteView leaf);
[[nodiscard]] Digest node_hash(const Digest& left, const Digest& right);
[[nodiscard]] Digest empty_root();

// The complete node (level, index); an error (e.g. kIo from a store) is passed through.
using NodeSource = std::function<Result<Digest>(unsigned level, std::uint64_t index)>;

// The root of the tree of the first `size` leaves.
[[nodiscard]] Result<Digest> root(std::uint64_t size, const NodeSource& nodes);

// RFC 9162 §2.1.3 inclusion proof of leaf `index` in the tree of `size` leaves
// (kUsage when index >= size).
[[nodiscard]] Result<std::vector<Digest>> inclusion_proof(std::uint64_t index,
                                                          std::uint64_t size,
                                                          const NodeSource& nodes);

// RFC 9162 §2.1.4 consistency proof from `old_size` to `new_size` (kUsage unless
// old_size <= new_size; empty when old_size is 0 or equal to new_size).
[[nodiscard]] Result<std::vector<Digest>> consistency_proof(std::uint64_t old_size,
                                                            std::uint64_t new_size,
                                                            const NodeSource& nodes);

// RFC 9162 §2.1.3.2: true when `proof` proves `leaf` (a leaf hash) at `index` in the tree
// of `size` leaves with root `root`.
[[nodiscard]] bool verify_inclusion(const Digest& leaf, std::uint64_t index, std::uint64_t size,
                                    std::span<const Digest> proof, const Digest& root);

// RFC 9162 §2.1.4.2: true when `proof` shows the tree of `old_size` with `old_root` is a
// prefix of the tree of `new_size` with `new_root`.
[[nodiscard]] bool verify_consistency(std::uint64_t old_size, std::uint64_t new_size,
                                      const Digest& old_root, const Digest& new_root,
                                      std::span<const Digest> proof);

// The right edge of a growing tree: its complete subtrees, largest (leftmost) first
// (popcount(size) hashes). Appending a leaf reports every complete node it creates, which
// is how the signer fills its node store; root() folds the edge right to left.
class Frontier {
 public:
  using NodeSink = std::function<void(unsigned level, std::uint64_t index, const Digest& hash)>;

  Frontier() = default;
  // kVerificationFailed unless hashes.size() == popcount(size).
  [[nodiscard]] static Result<Frontier> from_hashes(std::uint64_t size, std::vector<Digest> hashes);
  // The edge of the tree of `size` leaves, read from `nodes`.
  [[nodiscard]] static Result<Frontier> load(std::uint64_t size, const NodeSource& nodes);

  // Adds a leaf hash; `sink` (optional) receives the new leaf node (level 0) and every
  // complete node the append completes, lowest level first.
  void append(const Digest& leaf, const NodeSink& sink = {});

  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  [[nodiscard]] const std::vector<Digest>& hashes() const noexcept { return hashes_; }
  [[nodiscard]] Digest root() const;

 private:
  std::uint64_t size_ = 0;
  std::vector<Digest> hashes_;
};

// A NodeSource that remembers the last two nodes asked for at each level (a proof asks at
// one level for its path's sibling and for a node of the right edge), so proofs of
// consecutive leaves (which share most of their path) cost about two lookups of `inner`
// per leaf instead of log2(size). Memory: two nodes per level.
class NodeCache {
 public:
  explicit NodeCache(NodeSource inner);
  [[nodiscard]] Result<Digest> operator()(unsigned level, std::uint64_t index);
  [[nodiscard]] NodeSource source();  // a NodeSource calling this cache (which must outlive it)

 private:
  struct Slot {
    bool valid = false;
    std::uint64_t index = 0;
    Digest hash;
  };
  NodeSource inner_;
  std::vector<Slot> slots_;
};

}  // namespace hallmark::verifier::merkle
