// RFC 9162 §2.1 Merkle tree hashing, proofs and their verification, from complete nodes.
//
// Every hash of a range the RFC's recursion visits is computed by range_hash(), which asks
// NodeSource only for complete nodes: a range [lo, lo+n) of the recursion always starts at a
// multiple of the smallest power of two >= n, so it splits into complete subtrees by the
// binary digits of n. Hashing is on the signer's hot path: leaf and node hashes reuse one
// EVP_MD_CTX per thread with the SHA-256 fetched once (verifier/core/digest_algorithms.h),
// so no hash allocates or fetches (OpenSSL 3's one-shot SHA256() does both on every call).
#include "verifier/log/merkle.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "verifier/core/digest_algorithms.h"

namespace hallmark::verifier::merkle {
namespace {

constexpr std::byte kLeafPrefix{0x00};
constexpr std::byte kNodePrefix{0x01};

// Hashing cannot fail short of memory exhaustion or a broken OpenSSL; a wrong hash would be
// worse than stopping, and these functions return plain Digests, so stop loudly.
[[noreturn]] void hashing_broken(const char* what) {
  std::fprintf(stderr, "hallmark: Merkle hashing failed (%s); OpenSSL is unusable\n", what);
  std::abort();
}

const EVP_MD* sha256_md() {
  const EVP_MD* md = ossl::sha256_md();
  if (md == nullptr) hashing_broken("no SHA-256 implementation");
  return md;
}

struct ThreadContext {
  ossl::MdCtxPtr ctx{EVP_MD_CTX_new()};
};

EVP_MD_CTX* thread_context() {
  thread_local ThreadContext holder;
  if (!holder.ctx) hashing_broken("cannot allocate a digest context");
  return holder.ctx.get();
}

// Nodes asked for while proving; an error from the source stops everything.
class Walker {
 public:
  explicit Walker(const NodeSource& nodes) : nodes_(nodes) {}

  // MTH of leaves [lo, lo+n), n >= 1, lo a multiple of the smallest power of two >= n.
  Result<Digest> range_hash(std::uint64_t lo, std::uint64_t n) const {
    // Complete subtrees by the binary digits of n, largest (leftmost) first, folded right to
    // left: at most 64 of them.
    std::array<Digest, 64> parts;
    std::size_t count = 0;
    std::uint64_t offset = lo;
    for (int level = 63; level >= 0; --level) {
      const std::uint64_t width = std::uint64_t{1} << level;
      if ((n & width) == 0) continue;
      auto node = nodes_(static_cast<unsigned>(level), offset >> level);
      if (!node) return std::unexpected(std::move(node).error());
      parts[count++] = *node;
      offset += width;
    }
    Digest acc = parts[count - 1];
    for (std::size_t i = count - 1; i-- > 0;) acc = node_hash(parts[i], acc);
    return acc;
  }

  // RFC 9162 PATH(m, D[lo:lo+n]), appended deepest first.
  Result<void> path(std::uint64_t m, std::uint64_t lo, std::uint64_t n,
                    std::vector<Digest>& out) const {
    if (n <= 1) return {};
    const std::uint64_t k = std::bit_floor(n - 1);  // largest power of two < n
    Result<Digest> sibling;
    if (m < k) {
      if (auto r = path(m, lo, k, out); !r) return r;
      sibling = range_hash(lo + k, n - k);
    } else {
      if (auto r = path(m - k, lo + k, n - k, out); !r) return r;
      sibling = range_hash(lo, k);
    }
    if (!sibling) return std::unexpected(std::move(sibling).error());
    out.push_back(*sibling);
    return {};
  }

  // RFC 9162 SUBPROOF(m, D[lo:lo+n], b).
  Result<void> subproof(std::uint64_t m, std::uint64_t lo, std::uint64_t n, bool whole,
                        std::vector<Digest>& out) const {
    if (m == n) {
      if (whole) return {};
      auto h = range_hash(lo, n);
      if (!h) return std::unexpected(std::move(h).error());
      out.push_back(*h);
      return {};
    }
    const std::uint64_t k = std::bit_floor(n - 1);
    Result<Digest> other;
    if (m <= k) {
      if (auto r = subproof(m, lo, k, whole, out); !r) return r;
      other = range_hash(lo + k, n - k);
    } else {
      if (auto r = subproof(m - k, lo + k, n - k, false, out); !r) return r;
      other = range_hash(lo, k);
    }
    if (!other) return std::unexpected(std::move(other).error());
    out.push_back(*other);
    return {};
  }

 private:
  const NodeSource& nodes_;
};

// SHA-256 of `prefix` then `data` on this thread's context.
Digest prefixed_hash(std::byte prefix, ByteView data, const char* what) {
  EVP_MD_CTX* ctx = thread_context();
  Digest::Array out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, &prefix, 1) != 1 ||
      EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != Digest::kSize) {
    hashing_broken(what);
  }
  return Digest(out);
}

}  // namespace

Digest leaf_hash(ByteView leaf) { return prefixed_hash(kLeafPrefix, leaf, "leaf hash"); }

Digest node_hash(const Digest& left, const Digest& right) {
  std::array<std::byte, 2 * Digest::kSize> children;
  std::copy(left.bytes().begin(), left.bytes().end(), children.begin());
  std::copy(right.bytes().begin(), right.bytes().end(), children.begin() + Digest::kSize);
  return prefixed_hash(kNodePrefix, children, "node hash");
}

Digest empty_root() {
  EVP_MD_CTX* ctx = thread_context();
  Digest::Array out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) != 1 ||
      EVP_DigestFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != Digest::kSize) {
    hashing_broken("empty root");
  }
  return Digest(out);
}

Result<Digest> root(std::uint64_t size, const NodeSource& nodes) {
  if (size == 0) return empty_root();
  return Walker(nodes).range_hash(0, size);
}

Result<std::vector<Digest>> inclusion_proof(std::uint64_t index, std::uint64_t size,
                                            const NodeSource& nodes) {
  if (index >= size) {
    return fail(ErrorCode::kUsage, "no inclusion proof of leaf " + std::to_string(index) +
                                       " in a tree of " + std::to_string(size) + " leaves");
  }
  std::vector<Digest> proof;
  proof.reserve(64);
  if (auto r = Walker(nodes).path(index, 0, size, proof); !r) {
    return std::unexpected(std::move(r).error());
  }
  return proof;
}

Result<std::vector<Digest>> consistency_proof(std::uint64_t old_size, std::uint64_t new_size,
                                              const NodeSource& nodes) {
  if (old_size > new_size) {
    return fail(ErrorCode::kUsage, "no consistency proof from tree size " +
                                       std::to_string(old_size) + " to the smaller size " +
                                       std::to_string(new_size));
  }
  std::vector<Digest> proof;
  if (old_size == 0 || old_size == new_size) return proof;
  if (auto r = Walker(nodes).subproof(old_size, 0, new_size, true, proof); !r) {
    return std::unexpected(std::move(r).error());
  }
  return proof;
}

bool verify_inclusion(const Digest& leaf, std::uint64_t index, std::uint64_t size,
                      std::span<const Digest> proof, const Digest& root) {
  if (index >= size) return false;
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Digest r = leaf;
  for (const Digest& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = node_hash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verify_consistency(std::uint64_t old_size, std::uint64_t new_size, const Digest& old_root,
                        const Digest& new_root, std::span<const Digest> proof) {
  if (old_size > new_size) return false;
  // Every tree extends the empty tree, and a tree is consistent only with itself: the
  // proof of either is empty (consistency_proof() gives none).
  if (old_size == 0) return proof.empty() && old_root == empty_root();
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (proof.empty()) return false;

  std::size_t next = 0;
  Digest fr;
  Digest sr;
  if (std::has_single_bit(old_size)) {
    fr = sr = old_root;  // the old tree is itself a complete node: not sent in the proof
  } else {
    fr = sr = proof[next++];
  }
  std::uint64_t fn = old_size - 1;
  std::uint64_t sn = new_size - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  for (; next < proof.size(); ++next) {
    const Digest& c = proof[next];
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == old_root && sr == new_root && sn == 0;
}

Result<Frontier> Frontier::from_hashes(std::uint64_t size, std::vector<Digest> hashes) {
  const auto expected = static_cast<std::size_t>(std::popcount(size));
  if (hashes.size() != expected) {
    return fail(ErrorCode::kVerificationFailed,
                "the right edge of a tree of " + std::to_string(size) + " leaves is " +
                    std::to_string(expected) + " hash(es), got " +
                    std::to_string(hashes.size()));
  }
  Frontier f;
  f.size_ = size;
  f.hashes_ = std::move(hashes);
  return f;
}

Result<Frontier> Frontier::load(std::uint64_t size, const NodeSource& nodes) {
  std::vector<Digest> hashes;
  hashes.reserve(static_cast<std::size_t>(std::popcount(size)));
  std::uint64_t offset = 0;
  for (int level = 63; level >= 0; --level) {
    const std::uint64_t width = std::uint64_t{1} << level;
    if ((size & width) == 0) continue;
    auto node = nodes(static_cast<unsigned>(level), offset >> level);
    if (!node) return std::unexpected(std::move(node).error());
    hashes.push_back(*node);
    offset += width;
  }
  return from_hashes(size, std::move(hashes));
}

void Frontier::append(const Digest& leaf, const NodeSink& sink) {
  if (sink) sink(0, size_, leaf);
  Digest carry = leaf;
  const std::uint64_t new_size = size_ + 1;
  unsigned level = 0;
  // Each trailing one bit of the old size is a complete subtree that the new leaf completes
  // into one twice its width.
  for (std::uint64_t s = size_; (s & 1) != 0; s >>= 1) {
    carry = node_hash(hashes_.back(), carry);
    hashes_.pop_back();
    ++level;
    if (sink) sink(level, (new_size >> level) - 1, carry);
  }
  hashes_.push_back(carry);
  size_ = new_size;
}

Digest Frontier::root() const {
  if (hashes_.empty()) return empty_root();
  Digest acc = hashes_.back();
  for (std::size_t i = hashes_.size() - 1; i-- > 0;) acc = node_hash(hashes_[i], acc);
  return acc;
}

// Two ways per level (slots_[2*level] most recent): a proof asks at a level both for its
// path's sibling and for a node of the tree's right edge, and both recur for the next leaf.
NodeCache::NodeCache(NodeSource inner) : inner_(std::move(inner)), slots_(2 * 64) {}

Result<Digest> NodeCache::operator()(unsigned level, std::uint64_t index) {
  if (level >= 64) return inner_(level, index);
  Slot& recent = slots_[2 * level];
  Slot& older = slots_[2 * level + 1];
  if (recent.valid && recent.index == index) return recent.hash;
  if (older.valid && older.index == index) {
    std::swap(recent, older);
    return recent.hash;
  }
  auto node = inner_(level, index);
  if (!node) return node;
  older = recent;
  recent = Slot{true, index, *node};
  return node;
}

NodeSource NodeCache::source() {
  return [this](unsigned level, std::uint64_t index) { return (*this)(level, index); };
}

}  // namespace hallmark::verifier::merkle
