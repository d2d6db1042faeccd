// SHA-256 of a text as 64 lowercase hex digits, computed with OpenSSL directly: tests compare it with what bantrack
// stored or logged for a token, so it must not go through bantrack's own hashing.
#pragma once

#include <openssl/evp.h>

#include <string>

namespace bantrack::testing {

inline std::string Sha256Hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1) return "";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    static constexpr char kDigits[] = "0123456789abcdef";
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace bantrack::testing
