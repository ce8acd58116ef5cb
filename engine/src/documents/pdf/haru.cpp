#include "haru.h"

#include <Poco/DeflatingStream.h>
#include <hpdf_doc.h>
#include <hpdf_objects.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "scripts.h"
#include "text_filter.h"

namespace sendflow::engine::pdf {
namespace {

void onHaruError(HPDF_STATUS code, HPDF_STATUS detail, void* user) noexcept {
  auto* e = static_cast<HaruError*>(user);
  if (e->code == 0) {
    e->code = code;
    e->detail = detail;
  }
}

}  // namespace

Doc::Doc() : h_(HPDF_New(onHaruError, &error_)) {
  if (!h_) throw InfraError("libharu: cannot create a document");
}

void Doc::check(const char* what) const {
  if (error_.code != 0) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "libharu failed while %s: error 0x%04X, detail %u", what,
                  static_cast<unsigned>(error_.code), static_cast<unsigned>(error_.detail));
    throw InfraError(buf);
  }
}

bool Doc::failedAndReset() {
  if (error_.code == 0) return false;
  HPDF_ResetError(h_);
  error_ = {};
  return true;
}

std::string Doc::save() {
  HPDF_SaveToStream(h_);
  check("saving");
  std::string bytes(HPDF_GetStreamSize(h_), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = static_cast<HPDF_UINT32>(bytes.size() - done);
    HPDF_STATUS st = HPDF_ReadFromStream(h_, reinterpret_cast<HPDF_BYTE*>(bytes.data() + done), &n);
    if (st != HPDF_OK && st != HPDF_STREAM_EOF) break;
    done += n;
    if (st == HPDF_STREAM_EOF || n == 0) break;
  }
  if (done != bytes.size()) throw InfraError("libharu returned a short PDF stream");
  return bytes;
}

void checkStatus(HPDF_STATUS st, const char* what) {
  if (st != HPDF_OK) {
    char buf[120];
    std::snprintf(buf, sizeof buf, "libharu failed while %s: error 0x%04X", what,
                  static_cast<unsigned>(st));
    throw InfraError(buf);
  }
}

void appendNumber(std::string& out, float v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
  char* end = r.ptr;
  while (end > buf && end[-1] == '0') --end;
  if (end > buf && end[-1] == '.') --end;
  if (end - buf == 2 && buf[0] == '-' && buf[1] == '0') {
    out += '0';
    return;
  }
  out.append(buf, end);
}

void appendHex4(std::string& out, std::uint32_t v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(v >> shift) & 0xF]);
}

std::string deflate(std::string_view in) {
  std::ostringstream out;
  {
    Poco::DeflatingOutputStream z(out, Poco::DeflatingStreamBuf::STREAM_ZLIB, 1);
    z.write(in.data(), static_cast<std::streamsize>(in.size()));
    z.close();
  }
  return std::move(out).str();
}

HPDF_STATUS writeFlateFilter(HPDF_Dict, HPDF_Stream out) noexcept {
  return HPDF_Stream_WriteStr(out, "/Filter /FlateDecode\012");
}

HPDF_Dict flateStream(HPDF_Doc h, std::string_view bytes, const char* what) {
  HPDF_Dict st = checked(HPDF_DictStream_New(h->mmgr, h->xref), what);
  const std::string z = deflate(bytes);
  checkStatus(HPDF_Stream_Write(st->stream, reinterpret_cast<const HPDF_BYTE*>(z.data()),
                                static_cast<HPDF_UINT>(z.size())),
              what);
  st->write_fn = writeFlateFilter;
  return st;
}

HPDF_Dict indirectDict(HPDF_Doc h, const char* what) {
  HPDF_Dict d = checked(HPDF_Dict_New(h->mmgr), what);
  checkStatus(HPDF_Xref_Add(h->xref, d), what);
  return d;
}

HPDF_Array numbers(HPDF_Doc h, std::initializer_list<int> values) {
  HPDF_Array a = checked(HPDF_Array_New(h->mmgr), "making an array");
  for (int v : values) checkStatus(HPDF_Array_AddNumber(a, v), "making an array");
  return a;
}

void setInfoText(HPDF_Doc h, const char* key, const std::string& utf8) {
  std::string be{'\xFE', '\xFF'};
  auto unit = [&](std::uint32_t u) {
    be.push_back(static_cast<char>((u >> 8) & 0xFF));
    be.push_back(static_cast<char>(u & 0xFF));
  };
  for (char32_t c : decodeUtf8(utf8)) {
    if (c == kBadUtf8) c = 0xFFFD;
    if (c >= 0x10000) {
      unit(0xD800 + ((c - 0x10000) >> 10));
      unit(0xDC00 + ((c - 0x10000) & 0x3FF));
    } else {
      unit(c);
    }
  }
  HPDF_Binary value = checked(HPDF_Binary_New(h->mmgr, reinterpret_cast<HPDF_BYTE*>(be.data()),
                                              static_cast<HPDF_UINT>(be.size())),
                              "writing the metadata");
  checkStatus(HPDF_Dict_Add(checked(h->info, "writing the metadata"), key, value),
              "writing the metadata");
}

HPDF_Date pdfDate(TimePoint t) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  Date d{day};
  std::chrono::hh_mm_ss<std::chrono::seconds> hms{t - day};
  HPDF_Date out{};
  out.year = static_cast<int>(d.year());
  out.month = static_cast<int>(static_cast<unsigned>(d.month()));
  out.day = static_cast<int>(static_cast<unsigned>(d.day()));
  out.hour = static_cast<int>(hms.hours().count());
  out.minutes = static_cast<int>(hms.minutes().count());
  out.seconds = static_cast<int>(hms.seconds().count());
  out.ind = 'Z';
  return out;
}

}  // namespace sendflow::engine::pdf
