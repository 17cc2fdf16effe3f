// TFRecord framing, the container format of TensorBoard event files.
//
// A file is a sequence of records; each record is
//   uint64 length (little endian) | uint32 masked_crc32c(length bytes) | data | uint32
//   masked_crc32c(data)
// where crc32c is the CRC-32C (Castagnoli) checksum and the mask is
//   ((crc >> 15) | (crc << 17)) + 0xa282ead8   (mod 2^32),
// which keeps a CRC of data that itself contains CRCs from looking like one. Both CRCs are stored
// little endian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace xquant::tensorboard {

// CRC-32C of `data` (check value: Crc32c("123456789") == 0xE3069283).
uint32_t Crc32c(std::string_view data);

// The TFRecord mask applied to a CRC before it is stored.
uint32_t MaskCrc(uint32_t crc);

// Appends one framed record holding `data` to `out`.
void AppendRecord(std::string_view data, std::string* out);

}  // namespace xquant::tensorboard
