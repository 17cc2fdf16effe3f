// Seeded standard-normal numbers that are the same with every C++ standard library.
//
// std::normal_distribution's algorithm is left to the implementation (libstdc++ and libc++ give
// different numbers for one seed), but std::mt19937_64's output sequence is fixed by the
// standard. So the uniforms come from mt19937_64 and the normal transform is written here:
// Box-Muller, two normals per pair of uniforms.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace xquant::data {

class NormalGenerator {
 public:
  explicit NormalGenerator(uint64_t seed) : engine_(seed) {}

  double Next() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    // 53 random bits each: u1 in (0, 1] so the logarithm is finite, u2 in [0, 1).
    constexpr double kUnit = 1.0 / 9007199254740992.0;  // 2^-53
    const double u1 = static_cast<double>((engine_() >> 11) + 1) * kUnit;
    const double u2 = static_cast<double>(engine_() >> 11) * kUnit;
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * std::numbers::pi * u2;
    spare_ = radius * std::sin(angle);
    has_spare_ = true;
    return radius * std::cos(angle);
  }

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// A seed for one (dataset seed, input, sample) so that a sample's values do not depend on which
// batch reads it. SplitMix64's finaliser spreads nearby indices over unrelated engine states.
inline uint64_t MixSeed(uint64_t seed, uint64_t input_index, uint64_t sample_index) {
  auto mix = [](uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  return mix(mix(mix(seed) ^ input_index) ^ sample_index);
}

}  // namespace xquant::data
