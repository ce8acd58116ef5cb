// libharu, wrapped: a document that records libharu's errors and throws InfraError after the C
// call returned (no exception ever crosses a C frame), and the few object-layer helpers the
// renderer writes its own fonts and page content with.
#pragma once

#include <hpdf.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/error.h"

namespace sendflow::engine::pdf {

struct HaruError {
  HPDF_STATUS code = 0;
  HPDF_STATUS detail = 0;
};

class Doc {
 public:
  Doc();
  ~Doc() { HPDF_Free(h_); }
  Doc(const Doc&) = delete;
  Doc& operator=(const Doc&) = delete;
  HPDF_Doc get() const { return h_; }
  // Throws InfraError naming `what` when libharu recorded an error.
  void check(const char* what) const;
  // For failures we recover from (an unreadable PNG): forget the recorded error.
  bool failedAndReset();
  // The saved document. Throws InfraError.
  std::string save();

 private:
  HaruError error_;
  HPDF_Doc h_;
};

void checkStatus(HPDF_STATUS st, const char* what);

// obj, or InfraError when libharu returned null.
template <typename T>
T checked(T obj, const char* what) {
  if (!obj) throw InfraError(std::string("libharu failed while ") + what);
  return obj;
}

// PDF number syntax: at most two decimals, no trailing zeros, no "-0".
void appendNumber(std::string& out, float v);
void appendHex4(std::string& out, std::uint32_t v);

// zlib's fastest level: a few per cent larger than the default level, at a fraction of the
// time (these streams are small; the whole document stays far below 100 KB).
std::string deflate(std::string_view in);

// Marks a stream whose bytes are already deflated. libharu drops a "Filter" entry from streams
// it does not compress itself, but calls a dictionary's write_fn just before ">>".
HPDF_STATUS writeFlateFilter(HPDF_Dict, HPDF_Stream out) noexcept;

// A stream object holding `bytes` deflated.
HPDF_Dict flateStream(HPDF_Doc h, std::string_view bytes, const char* what);
HPDF_Dict indirectDict(HPDF_Doc h, const char* what);
HPDF_Array numbers(HPDF_Doc h, std::initializer_list<int> values);

// A document information string as UTF-16BE with a byte order mark (PDF 32000 7.9.2.2), so no
// libharu encoder (and its tables) is needed for it.
void setInfoText(HPDF_Doc h, const char* key, const std::string& utf8);
HPDF_Date pdfDate(TimePoint t);

}  // namespace sendflow::engine::pdf
