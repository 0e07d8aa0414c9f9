// The evidence log's Merkle tree against a naive RFC 9162 §2.1 implementation written here
// (recursive MTH, PATH and SUBPROOF over the leaf list): every size 0..70, every leaf and
// every pair of sizes; proofs must verify, and every tampering must be refused. The node
// source refuses any node that is not a complete node of the tree being proved, so proofs
// are shown to need complete nodes only.
#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "verifier/log/merkle.h"

namespace merkle = hallmark::verifier::merkle;
using hallmark::Bytes;
using hallmark::ErrorCode;
using hallmark::Result;
using hallmark::verifier::Digest;

namespace {

constexpr std::uint64_t kMaxSize = 70;

// Leaf hashes of distinct leaves "leaf-<i>".
const std::vector<Digest>& leaves() {
  static const std::vector<Digest> all = [] {
    std::vector<Digest> out;
    for (std::uint64_t i = 0; i < 1024; ++i) {
      out.push_back(merkle::leaf_hash(hallmark::as_bytes("leaf-" + std::to_string(i))));
    }
    return out;
  }();
  return all;
}

// Naive RFC 9162 MTH of leaves [lo, hi).
Digest mth(std::uint64_t lo, std::uint64_t hi) {
  const std::uint64_t n = hi - lo;
  if (n == 0) return merkle::empty_root();
  if (n == 1) return leaves()[lo];
  std::uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return merkle::node_hash(mth(lo, lo + k), mth(lo + k, hi));
}

void naive_path(std::uint64_t m, std::uint64_t lo, std::uint64_t hi, std::vector<Digest>& out) {
  const std::uint64_t n = hi - lo;
  if (n <= 1) return;
  std::uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  if (m < k) {
    naive_path(m, lo, lo + k, out);
    out.push_back(mth(lo + k, hi));
  } else {
    naive_path(m - k, lo + k, hi, out);
    out.push_back(mth(lo, lo + k));
  }
}

void naive_subproof(std::uint64_t m, std::uint64_t lo, std::uint64_t hi, bool whole,
                    std::vector<Digest>& out) {
  const std::uint64_t n = hi - lo;
  if (m == n) {
    if (!whole) out.push_back(mth(lo, hi));
    return;
  }
  std::uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  if (m <= k) {
    naive_subproof(m, lo, lo + k, whole, out);
    out.push_back(mth(lo + k, hi));
  } else {
    naive_subproof(m - k, lo + k, hi, false, out);
    out.push_back(mth(lo, lo + k));
  }
}

std::vector<Digest> naive_consistency(std::uint64_t m, std::uint64_t n) {
  std::vector<Digest> out;
  if (m > 0 && m < n) naive_subproof(m, 0, n, true, out);
  return out;
}

// Complete nodes of the tree of `size` leaves; asking for any other node fails the test.
struct Nodes {
  std::uint64_t size;
  std::uint64_t lookups = 0;

  Result<Digest> operator()(unsigned level, std::uint64_t index) {
    ++lookups;
    const std::uint64_t lo = index << level;
    const std::uint64_t hi = (index + 1) << level;
    if (level >= 63 || hi > size) {
      FAIL("asked for node (" << level << ", " << index << ") outside the complete nodes of a "
                              "tree of " << size);
      return hallmark::fail(ErrorCode::kInternal, "not a complete node");
    }
    return mth(lo, hi);
  }
  merkle::NodeSource source() {
    return [this](unsigned level, std::uint64_t index) { return (*this)(level, index); };
  }
};

Digest flipped(Digest d, std::size_t byte = 0) {
  Digest::Array a{};
  std::copy(d.bytes().begin(), d.bytes().end(), a.begin());
  a[byte] ^= std::byte{0x01};
  return Digest(a);
}

}  // namespace

TEST_CASE("root, inclusion and consistency proofs equal the naive RFC 9162 ones, sizes 0..70") {
  for (std::uint64_t n = 0; n <= kMaxSize; ++n) {
    Nodes nodes{n};
    auto root = merkle::root(n, nodes.source());
    REQUIRE(root.has_value());
    CHECK(*root == mth(0, n));
    for (std::uint64_t i = 0; i < n; ++i) {
      auto proof = merkle::inclusion_proof(i, n, nodes.source());
      REQUIRE(proof.has_value());
      std::vector<Digest> expected;
      naive_path(i, 0, n, expected);
      CHECK(*proof == expected);
      CHECK(merkle::verify_inclusion(leaves()[i], i, n, *proof, *root));
    }
    for (std::uint64_t m = 0; m <= n; ++m) {
      auto proof = merkle::consistency_proof(m, n, nodes.source());
      REQUIRE(proof.has_value());
      CHECK(*proof == naive_consistency(m, n));
      CHECK(merkle::verify_consistency(m, n, mth(0, m), *root, *proof));
    }
  }
}

TEST_CASE("the empty tree's root is SHA-256 of nothing and leaf/node hashes carry RFC prefixes") {
  CHECK(merkle::empty_root().hex() ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 6962/9162 test vector: the leaf hash of an empty leaf is SHA-256(0x00).
  CHECK(merkle::leaf_hash({}).hex() ==
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  const Digest a = leaves()[0];
  const Digest b = leaves()[1];
  CHECK(merkle::node_hash(a, b) != merkle::node_hash(b, a));
  Bytes node{std::byte{0x01}};
  node.insert(node.end(), a.bytes().begin(), a.bytes().end());
  node.insert(node.end(), b.bytes().begin(), b.bytes().end());
  CHECK(*hallmark::verifier::sha256(node) == merkle::node_hash(a, b));
}

TEST_CASE("requests outside the tree are usage errors") {
  Nodes nodes{5};
  auto inclusion = merkle::inclusion_proof(5, 5, nodes.source());
  REQUIRE_FALSE(inclusion.has_value());
  CHECK(inclusion.error().code == ErrorCode::kUsage);
  auto consistency = merkle::consistency_proof(6, 5, nodes.source());
  REQUIRE_FALSE(consistency.has_value());
  CHECK(consistency.error().code == ErrorCode::kUsage);
}

TEST_CASE("a node store error is passed through, not turned into a hash") {
  const merkle::NodeSource broken = [](unsigned, std::uint64_t) -> Result<Digest> {
    return hallmark::fail(ErrorCode::kIo, "store unreadable");
  };
  auto root = merkle::root(5, broken);
  REQUIRE_FALSE(root.has_value());
  CHECK(root.error().code == ErrorCode::kIo);
  CHECK_FALSE(merkle::inclusion_proof(3, 5, broken).has_value());
  CHECK_FALSE(merkle::consistency_proof(3, 5, broken).has_value());
  CHECK_FALSE(merkle::Frontier::load(5, broken).has_value());
}

TEST_CASE("tampered inclusion proofs are refused: flipped byte, wrong index, wrong size, "
          "truncated, extra hash") {
  for (std::uint64_t n = 1; n <= kMaxSize; ++n) {
    Nodes nodes{n};
    const Digest root = mth(0, n);
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto proof = *merkle::inclusion_proof(i, n, nodes.source());
      const Digest leaf = leaves()[i];
      CHECK_FALSE(merkle::verify_inclusion(flipped(leaf), i, n, proof, root));
      CHECK_FALSE(merkle::verify_inclusion(leaf, i, n, proof, flipped(root, 31)));
      for (std::size_t j = 0; j < proof.size(); ++j) {
        auto bad = proof;
        bad[j] = flipped(bad[j], j % Digest::kSize);
        CHECK_FALSE(merkle::verify_inclusion(leaf, i, n, bad, root));
      }
      if (i + 1 < n) CHECK_FALSE(merkle::verify_inclusion(leaf, i + 1, n, proof, root));
      if (i > 0) CHECK_FALSE(merkle::verify_inclusion(leaf, i - 1, n, proof, root));
      CHECK_FALSE(merkle::verify_inclusion(leaf, n, n, proof, root));  // index past the end
      CHECK_FALSE(merkle::verify_inclusion(leaf, i, n + 1, proof, mth(0, n + 1)));
      if (n > i + 1) CHECK_FALSE(merkle::verify_inclusion(leaf, i, n - 1, proof, mth(0, n - 1)));
      if (!proof.empty()) {
        const std::vector<Digest> truncated(proof.begin(), proof.end() - 1);
        CHECK_FALSE(merkle::verify_inclusion(leaf, i, n, truncated, root));
      }
      auto extra = proof;
      extra.push_back(leaves()[1000]);
      CHECK_FALSE(merkle::verify_inclusion(leaf, i, n, extra, root));
      auto extra_front = proof;
      extra_front.insert(extra_front.begin(), leaves()[1000]);
      CHECK_FALSE(merkle::verify_inclusion(leaf, i, n, extra_front, root));
    }
  }
}

TEST_CASE("tampered consistency proofs are refused: flipped byte, wrong sizes, truncated, extra "
          "hash, old and new roots swapped") {
  for (std::uint64_t n = 1; n <= kMaxSize; ++n) {
    Nodes nodes{n};
    const Digest new_root = mth(0, n);
    for (std::uint64_t m = 1; m < n; ++m) {
      const Digest old_root = mth(0, m);
      const auto proof = *merkle::consistency_proof(m, n, nodes.source());
      REQUIRE_FALSE(proof.empty());
      for (std::size_t j = 0; j < proof.size(); ++j) {
        auto bad = proof;
        bad[j] = flipped(bad[j], j % Digest::kSize);
        CHECK_FALSE(merkle::verify_consistency(m, n, old_root, new_root, bad));
      }
      CHECK_FALSE(merkle::verify_consistency(m, n, flipped(old_root), new_root, proof));
      CHECK_FALSE(merkle::verify_consistency(m, n, old_root, flipped(new_root), proof));
      CHECK_FALSE(merkle::verify_consistency(m, n, new_root, old_root, proof));
      CHECK_FALSE(merkle::verify_consistency(n, m, new_root, old_root, proof));
      CHECK_FALSE(merkle::verify_consistency(m - 1, n, mth(0, m - 1), new_root, proof));
      if (m + 1 < n) CHECK_FALSE(merkle::verify_consistency(m + 1, n, mth(0, m + 1), new_root, proof));
      CHECK_FALSE(merkle::verify_consistency(m, n + 1, old_root, mth(0, n + 1), proof));
      if (n - 1 > m) CHECK_FALSE(merkle::verify_consistency(m, n - 1, old_root, mth(0, n - 1), proof));
      const std::vector<Digest> truncated(proof.begin(), proof.end() - 1);
      CHECK_FALSE(merkle::verify_consistency(m, n, old_root, new_root, truncated));
      auto extra = proof;
      extra.push_back(leaves()[1000]);
      CHECK_FALSE(merkle::verify_consistency(m, n, old_root, new_root, extra));
      CHECK_FALSE(merkle::verify_consistency(m, n, old_root, new_root, {}));
    }
    // Equal sizes prove nothing but equality; a proof there is refused.
    CHECK(merkle::verify_consistency(n, n, new_root, new_root, {}));
    CHECK_FALSE(merkle::verify_consistency(n, n, new_root, flipped(new_root), {}));
    const Digest one[] = {new_root};
    CHECK_FALSE(merkle::verify_consistency(n, n, new_root, new_root, one));
    // The empty tree is a prefix of every tree, but only with the empty root and no proof.
    CHECK(merkle::verify_consistency(0, n, merkle::empty_root(), new_root, {}));
    CHECK_FALSE(merkle::verify_consistency(0, n, new_root, new_root, {}));
    CHECK_FALSE(merkle::verify_consistency(0, n, merkle::empty_root(), new_root, one));
  }
}

TEST_CASE("frontier append, from_hashes and load agree with the naive roots and report every "
          "complete node") {
  merkle::Frontier frontier;
  std::map<std::pair<unsigned, std::uint64_t>, Digest> reported;
  const merkle::Frontier::NodeSink sink = [&](unsigned level, std::uint64_t index,
                                              const Digest& hash) {
    CHECK(reported.emplace(std::pair{level, index}, hash).second);  // each node once
  };
  CHECK(frontier.root() == merkle::empty_root());
  for (std::uint64_t n = 1; n <= kMaxSize; ++n) {
    frontier.append(leaves()[n - 1], sink);
    REQUIRE(frontier.size() == n);
    CHECK(frontier.hashes().size() == static_cast<std::size_t>(std::popcount(n)));
    CHECK(frontier.root() == mth(0, n));

    auto rebuilt = merkle::Frontier::from_hashes(n, frontier.hashes());
    REQUIRE(rebuilt.has_value());
    CHECK(rebuilt->root() == mth(0, n));
    Nodes nodes{n};
    auto loaded = merkle::Frontier::load(n, nodes.source());
    REQUIRE(loaded.has_value());
    CHECK(loaded->hashes() == frontier.hashes());
    // Continuing a loaded frontier gives the same tree as continuing the original.
    loaded->append(leaves()[n]);
    CHECK(loaded->root() == mth(0, n + 1));
  }
  // Every complete node of the final tree was reported, with its hash.
  std::size_t complete = 0;
  for (unsigned level = 0; (std::uint64_t{1} << level) <= kMaxSize; ++level) {
    for (std::uint64_t i = 0; ((i + 1) << level) <= kMaxSize; ++i) {
      ++complete;
      auto it = reported.find({level, i});
      REQUIRE(it != reported.end());
      CHECK(it->second == mth(i << level, (i + 1) << level));
    }
  }
  CHECK(reported.size() == complete);
}

TEST_CASE("a frontier with the wrong number of edge hashes is refused") {
  auto bad = merkle::Frontier::from_hashes(6, {leaves()[0]});  // 6 = 110b needs two
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == ErrorCode::kVerificationFailed);
  CHECK_FALSE(merkle::Frontier::from_hashes(0, {leaves()[0]}).has_value());
  CHECK(merkle::Frontier::from_hashes(0, {}).has_value());
}

TEST_CASE("node cache gives the same proofs as the store with far fewer lookups for consecutive "
          "leaves") {
  constexpr std::uint64_t kSize = 1000;
  Nodes direct{kSize};
  Nodes inner{kSize};
  merkle::NodeCache cache(inner.source());
  const merkle::NodeSource cached = cache.source();
  for (std::uint64_t i = 0; i < kSize; ++i) {
    auto want = merkle::inclusion_proof(i, kSize, direct.source());
    auto got = merkle::inclusion_proof(i, kSize, cached);
    REQUIRE(want.has_value());
    REQUIRE(got.has_value());
    CHECK(*got == *want);
  }
  MESSAGE("store lookups: " << direct.lookups << " uncached, " << inner.lookups << " cached");
  CHECK(inner.lookups <= 3 * kSize);
  CHECK(inner.lookups * 4 < direct.lookups);
  // The cache passes errors through and does not remember them.
  bool failing = true;
  merkle::NodeCache flaky([&](unsigned level, std::uint64_t index) -> Result<Digest> {
    if (failing) return hallmark::fail(ErrorCode::kIo, "busy");
    return mth(index << level, (index + 1) << level);
  });
  CHECK_FALSE(flaky(0, 3).has_value());
  failing = false;
  auto later = flaky(0, 3);
  REQUIRE(later.has_value());
  CHECK(*later == leaves()[3]);
}
