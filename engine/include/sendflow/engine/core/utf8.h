// The one UTF-8 module of the tree, over Poco's UTF8Encoding. Strict: overlong forms, UTF-16
// surrogates (U+D800..U+DFFF), values above U+10FFFF, stray continuation bytes and sequences
// cut short are invalid. Functions that judge input report invalid text (nullopt / false);
// only the functions named for it replace or step over bad bytes, for text that was already
// checked or that is only displayed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sendflow::engine::utf8 {

bool isValid(std::string_view s);
// Code points of `s`; nullopt when it is not valid UTF-8.
std::optional<std::u32string> decode(std::string_view s);
// Code points, counted; nullopt when `s` is not valid UTF-8.
std::optional<std::size_t> length(std::string_view s);

// Code points of `s` with each byte that does not start a valid sequence decoded as
// `replacement` (one per byte; decoding resumes at the next byte).
std::u32string decodeReplacing(std::string_view s, char32_t replacement);
// Characters a person sees in text that may hold invalid bytes: each valid sequence counts
// one, each other byte counts one.
std::size_t countLenient(std::string_view s);
// Bytes of the first character of `s`: its sequence when valid, else 1. 0 for "".
std::size_t firstCharacterBytes(std::string_view s);

// The largest cut <= pos that does not split a multi-byte sequence of `s` (a cut before a
// continuation byte moves back to its lead byte). 0 when no such cut exists before pos.
// REQUIRES: pos <= s.size().
std::size_t boundaryAtOrBefore(std::string_view s, std::size_t pos);

// UTF-8 of code points. REQUIRES: each is a Unicode scalar value (<= U+10FFFF, no surrogate).
std::string encode(std::u32string_view codePoints);
void append(std::string& out, char32_t codePoint);

}  // namespace sendflow::engine::utf8
