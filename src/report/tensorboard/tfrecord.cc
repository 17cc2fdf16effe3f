#include "report/tensorboard/tfrecord.h"

#include <nmmintrin.h>

#include <cstring>

namespace xquant::tensorboard {
namespace {

// The project builds for x86-64-v3, which includes SSE4.2 and its CRC32 instruction (it computes
// exactly CRC-32C), so no table-driven fallback is needed. No CRC library is installed here.
#ifndef __SSE4_2__
#error "xquant builds with -march=x86-64-v3, which provides SSE4.2's crc32 instruction"
#endif

void AppendFixed32(uint32_t v, std::string* out) {
  char bytes[4];
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  out->append(bytes, 4);
}

}  // namespace

uint32_t Crc32c(std::string_view data) {
  const char* p = data.data();
  size_t n = data.size();
  uint64_t crc = 0xFFFFFFFFu;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);  // unaligned-safe; the instruction consumes little-endian words
    crc = _mm_crc32_u64(crc, word);
  }
  uint32_t crc32 = static_cast<uint32_t>(crc);
  for (; n > 0; ++p, --n) crc32 = _mm_crc32_u8(crc32, static_cast<uint8_t>(*p));
  return crc32 ^ 0xFFFFFFFFu;
}

uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

void AppendRecord(std::string_view data, std::string* out) {
  char length[8];
  uint64_t n = data.size();
  for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  out->append(length, 8);
  AppendFixed32(MaskCrc(Crc32c(std::string_view(length, 8))), out);
  out->append(data);
  AppendFixed32(MaskCrc(Crc32c(data)), out);
}

}  // namespace xquant::tensorboard
