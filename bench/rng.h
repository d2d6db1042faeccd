// The random source of the corpus generator: the same seed gives the same sequence with every compiler and
// standard library. std::uniform_int_distribution and friends are implementation-defined, and floating point is
// avoided altogether (libm may round differently), so a corpus is byte-identical wherever it is generated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

namespace bantrack::bench {

class Rng {
 public:
  // xoshiro256** seeded through splitmix64, as its authors recommend.
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : state_) {
      seed += 0x9E3779B97F4A7C15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      word = z ^ (z >> 31);
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotate(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotate(state_[3], 45);
    return result;
  }

  // Uniform in [0, n), n > 0: Lemire's multiply-shift with rejection, so without bias.
  uint64_t Below(uint64_t n) {
    unsigned __int128 product = static_cast<unsigned __int128>(Next()) * n;
    if (static_cast<uint64_t>(product) < n) {
      const uint64_t threshold = -n % n;
      while (static_cast<uint64_t>(product) < threshold) product = static_cast<unsigned __int128>(Next()) * n;
    }
    return static_cast<uint64_t>(product >> 64);
  }
  // Uniform in [low, high].
  int64_t Between(int64_t low, int64_t high) { return low + static_cast<int64_t>(Below(high - low + 1)); }
  bool Percent(uint32_t percent) { return Below(100) < percent; }

  // Skewed toward 0, P(k) ≈ ln(n / k) / n: the first few indices take a large share, with a long tail.
  uint64_t Skewed(uint64_t n) { return Below(1 + Below(n)); }
  // More strongly skewed, P(k) ≈ ln²(n / k) / 2n: a handful of indices take most picks (the few apps that
  // nearly every ban names, the few countries most publishers come from).
  uint64_t Popular(uint64_t n) { return Below(1 + Below(1 + Below(n))); }

  // Puts `items` in a random order (Fisher-Yates), every order equally likely.
  template <typename T>
  void Shuffle(std::span<T> items) {
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[Below(i)]);
  }

  // An index drawn with the given weights (not all zero).
  size_t Weighted(std::span<const uint32_t> weights) {
    uint64_t total = 0;
    for (uint32_t w : weights) total += w;
    uint64_t x = Below(total);
    for (size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;  // unreachable: x < total
  }

 private:
  static uint64_t Rotate(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace bantrack::bench
