// The PDF renderer: lays a PdfDocument out on A4 pages with libharu.
//
// libharu reports errors through a C callback; ours only records the first code, and every
// libharu call sequence is followed by Doc::check(), which throws InfraError once the C call has
// returned (no exception ever crosses a C frame).
#include "sendflow/engine/documents/pdf/pdf.h"

#include <Poco/DeflatingStream.h>
#include <fcntl.h>
#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "sendflow/engine/core/error.h"

namespace sendflow::engine {
namespace {

constexpr char32_t kBadUtf8 = 0xFFFFFFFF;

struct Cleaned {
  std::string text;
  bool replaced = false;
};

std::u32string decodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    char32_t cp = 0;
    std::size_t len = 0;
    if (b < 0x80) {
      cp = b;
      len = 1;
    } else if ((b & 0xE0) == 0xC0) {
      cp = b & 0x1F;
      len = 2;
    } else if ((b & 0xF0) == 0xE0) {
      cp = b & 0x0F;
      len = 3;
    } else if ((b & 0xF8) == 0xF0) {
      cp = b & 0x07;
      len = 4;
    }
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (c & 0x3F);
    }
    // Reject overlong forms, surrogates and values beyond Unicode.
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (ok && (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (!ok) {
      out.push_back(kBadUtf8);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

void appendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Invisible by definition: dropping them loses nothing a reader could see.
bool ignorable(char32_t cp) {
  return cp == 0x00AD || cp == 0x200B || cp == 0x200C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF ||
         (cp < 0x20 && cp != '\n' && cp != '\t' && cp != '\r') || (cp >= 0x7F && cp < 0xA0);
}

// Joiners, variation selectors and combining marks belong to the character before them.
bool attaches(char32_t cp) {
  return cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x0300 && cp <= 0x036F) ||
         (cp >= 0x1F3FB && cp <= 0x1F3FF) || (cp >= 0xE0020 && cp <= 0xE007F);
}

enum class Kind {
  kEmoji,
  kArabic,
  kHebrew,
  kSyriac,
  kThaana,
  kDevanagari,
  kBengali,
  kGurmukhi,
  kGujarati,
  kTamil,
  kIndic,
  kThai,
  kCjk,
  kInvalid,
  kOther
};

Kind kindOf(char32_t cp) {
  if (cp == kBadUtf8) return Kind::kInvalid;
  if ((cp >= 0x0600 && cp <= 0x06FF) || (cp >= 0x0750 && cp <= 0x077F) ||
      (cp >= 0x0870 && cp <= 0x08FF) || (cp >= 0xFB50 && cp <= 0xFDFF) ||
      (cp >= 0xFE70 && cp <= 0xFEFF))
    return Kind::kArabic;
  if ((cp >= 0x0590 && cp <= 0x05FF) || (cp >= 0xFB1D && cp <= 0xFB4F)) return Kind::kHebrew;
  if (cp >= 0x0700 && cp <= 0x074F) return Kind::kSyriac;
  if (cp >= 0x0780 && cp <= 0x07BF) return Kind::kThaana;
  if (cp >= 0x0900 && cp <= 0x097F) return Kind::kDevanagari;
  if (cp >= 0x0980 && cp <= 0x09FF) return Kind::kBengali;
  if (cp >= 0x0A00 && cp <= 0x0A7F) return Kind::kGurmukhi;
  if (cp >= 0x0A80 && cp <= 0x0AFF) return Kind::kGujarati;
  if (cp >= 0x0B80 && cp <= 0x0BFF) return Kind::kTamil;
  if ((cp >= 0x0B00 && cp <= 0x0DFF) || (cp >= 0xA8E0 && cp <= 0xA8FF)) return Kind::kIndic;
  if (cp >= 0x0E00 && cp <= 0x0EFF) return Kind::kThai;
  if ((cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
      (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
      (cp >= 0x20000 && cp <= 0x3FFFF))
    return Kind::kCjk;
  if ((cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2300 && cp <= 0x23FF) ||
      (cp >= 0x2600 && cp <= 0x27BF) || (cp >= 0x2B00 && cp <= 0x2BFF) || attaches(cp))
    return Kind::kEmoji;
  return Kind::kOther;
}

const char* describe(Kind k) {
  switch (k) {
    case Kind::kEmoji:
      return "emoji";
    case Kind::kArabic:
      return "Urdu/Arabic-script text";
    case Kind::kHebrew:
      return "Hebrew text";
    case Kind::kSyriac:
      return "Syriac text";
    case Kind::kThaana:
      return "Thaana (Dhivehi) text";
    case Kind::kDevanagari:
      return "Devanagari (e.g. Hindi) text";
    case Kind::kBengali:
      return "Bengali text";
    case Kind::kGurmukhi:
      return "Gurmukhi (Punjabi) text";
    case Kind::kGujarati:
      return "Gujarati text";
    case Kind::kTamil:
      return "Tamil text";
    case Kind::kIndic:
      return "Indic-script text";
    case Kind::kThai:
      return "Thai/Lao text";
    case Kind::kCjk:
      return "Chinese/Japanese/Korean text";
    case Kind::kInvalid:
      return "unreadable characters";
    case Kind::kOther:
      return "characters";
  }
  return "characters";
}

Cleaned clean(std::string_view utf8, const std::function<bool(char32_t)>& shown) {
  std::u32string in = decodeUtf8(utf8);
  Cleaned out;
  out.text.reserve(utf8.size());
  std::size_t i = 0;
  auto visible = [&](char32_t cp) { return cp != kBadUtf8 && shown(cp); };
  while (i < in.size()) {
    char32_t cp = in[i];
    if (cp == '\r') {
      if (i + 1 >= in.size() || in[i + 1] != '\n') out.text.push_back('\n');
      ++i;
      continue;
    }
    if (cp == '\t') {
      out.text.push_back(' ');
      ++i;
      continue;
    }
    if (cp == '\n' || visible(cp)) {
      appendUtf8(out.text, cp);
      ++i;
      continue;
    }
    if (ignorable(cp) || (attaches(cp) && i > 0 && visible(in[i - 1]))) {
      ++i;  // invisible, or a selector/modifier on a character we do show
      continue;
    }
    // A run of characters we cannot show: one placeholder per run of the same kind, spaces
    // between words of the same script included.
    Kind kind = kindOf(cp);
    std::size_t j = i + 1;
    for (;;) {
      if (j < in.size() && !visible(in[j]) && in[j] != '\n' &&
          (attaches(in[j]) || ignorable(in[j]) || kindOf(in[j]) == kind)) {
        ++j;
        continue;
      }
      std::size_t k = j;
      while (k < in.size() && (in[k] == ' ' || in[k] == 0x00A0)) ++k;
      if (k > j && k < in.size() && !visible(in[k]) && kindOf(in[k]) == kind) {
        j = k;
        continue;
      }
      break;
    }
    out.text += "[";
    out.text += describe(kind);
    out.text += " not shown — see the online record]";
    out.replaced = true;
    i = j;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Fonts held in memory for the renderer's lifetime. libharu 2.3 only loads TrueType from a file
// name, and re-reads it while saving, so each prepared font lives in an anonymous in-memory file
// (memfd) opened through /proc/self/fd; a temporary file is the fallback.

class FontFile {
 public:
  explicit FontFile(const std::string& bytes) {
    fd_ = ::memfd_create("sendflow-pdf-font", MFD_CLOEXEC);
    if (fd_ >= 0) {
      path_ = "/proc/self/fd/" + std::to_string(fd_);
    } else {
      std::string tmpl = (std::filesystem::temp_directory_path() / "sendflow-font-XXXXXX").string();
      fd_ = ::mkstemp(tmpl.data());
      if (fd_ < 0) throw InfraError("cannot create a font file");
      path_ = tmpl;
      unlinkOnClose_ = true;
    }
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close();
        throw InfraError("cannot write a font file");
      }
      done += static_cast<std::size_t>(n);
    }
    std::FILE* probe = std::fopen(path_.c_str(), "rb");
    if (!probe) {
      close();
      throw InfraError("cannot reopen the prepared font file " + path_);
    }
    std::fclose(probe);
  }
  ~FontFile() { close(); }
  FontFile(const FontFile&) = delete;
  FontFile& operator=(const FontFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  void close() {
    if (fd_ >= 0) ::close(fd_);
    if (unlinkOnClose_) ::unlink(path_.c_str());
    fd_ = -1;
  }
  int fd_ = -1;
  std::string path_;
  bool unlinkOnClose_ = false;
};

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InfraError("cannot read font " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---------------------------------------------------------------------------------------------
// libharu document with error capture.

struct HaruError {
  HPDF_STATUS code = 0;
  HPDF_STATUS detail = 0;
};

void onHaruError(HPDF_STATUS code, HPDF_STATUS detail, void* user) noexcept {
  auto* e = static_cast<HaruError*>(user);
  if (e->code == 0) {
    e->code = code;
    e->detail = detail;
  }
}

class Doc {
 public:
  Doc() : h_(HPDF_New(onHaruError, &error_)) {
    if (!h_) throw InfraError("libharu: cannot create a document");
  }
  ~Doc() { HPDF_Free(h_); }
  Doc(const Doc&) = delete;
  Doc& operator=(const Doc&) = delete;
  HPDF_Doc get() const { return h_; }
  void check(const char* what) const {
    if (error_.code != 0) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "libharu failed while %s: error 0x%04X, detail %u", what,
                    static_cast<unsigned>(error_.code), static_cast<unsigned>(error_.detail));
      throw InfraError(buf);
    }
  }
  // For failures we recover from (an unreadable PNG): forget the recorded error.
  bool failedAndReset() {
    if (error_.code == 0) return false;
    HPDF_ResetError(h_);
    error_ = {};
    return true;
  }

 private:
  HaruError error_;
  HPDF_Doc h_;
};

// ---------------------------------------------------------------------------------------------
// Layout.

struct Rgb {
  float r, g, b;
};
constexpr Rgb kInk{0.11f, 0.12f, 0.14f};
constexpr Rgb kMuted{0.36f, 0.38f, 0.42f};
constexpr Rgb kFaint{0.55f, 0.57f, 0.60f};
constexpr Rgb kPrimary{0.08f, 0.25f, 0.45f};
constexpr Rgb kRule{0.80f, 0.82f, 0.86f};
constexpr Rgb kShade{0.94f, 0.95f, 0.97f};
constexpr Rgb kHeaderFill{0.87f, 0.91f, 0.96f};
constexpr Rgb kMarking{0.55f, 0.08f, 0.10f};

constexpr float kPageW = 595.276f, kPageH = 841.89f;
constexpr float kLeft = 50, kRight = kPageW - 50, kWidth = kRight - kLeft;
constexpr float kTop = kPageH - 58;  // below the running header
constexpr float kBottom = 64;        // above the footer
constexpr float kLabelW = 160;       // label column of label/value rows
constexpr float kValueX = kLeft + kLabelW + 10, kValueW = kRight - kValueX;

struct Style {
  bool bold = false;
  float size = 10;
  Rgb colour = kInk;
};
constexpr Style kBody{false, 10, kInk};
constexpr Style kLabel{false, 9.5f, kMuted};
constexpr Style kEmpty{false, 10, kFaint};
constexpr Style kHelp{false, 8.5f, kFaint};
constexpr Style kCell{false, 9, kInk};
constexpr Style kCellHead{true, 9, kPrimary};

struct Line {
  std::string text;
  Style style;
  std::optional<PdfColour> swatch;  // a coloured square before the text (ratings)
};

struct Cell {
  float x = 0, w = 0;
  std::vector<Line> lines;
};

std::string shortHash(const std::string& hash) {
  return hash.substr(0, std::min<std::size_t>(12, hash.size()));
}

// What the layout draws, recorded first and replayed into libharu once the pages are known and
// the fonts have been cut down to the characters used.
struct Op {
  enum Kind { kText, kFill, kLine, kRect, kImage } kind;
  std::size_t page;
  float x, y, w, h;  // kLine: (x, y) → (w, h)
  Rgb colour;
  float lineWidth;
  Style style;
  std::string text;
  const std::string* png;
};

class Layout {
 public:
  explicit Layout(const PdfRenderer::Impl& fonts) : fonts_(fonts) {}

  // Text the fonts can show, with placeholders; records `field` when something was replaced.
  std::string clean(std::string_view text, const std::string& field);
  const std::set<std::string>& placeholderFields() const { return placeholderFields_; }

  float width(std::string_view utf8, const Style& s) const;
  std::vector<std::string> wrap(std::string_view text, const Style& s, float maxWidth) const;
  std::vector<Line> lines(std::string_view text, const Style& s, float maxWidth) const {
    std::vector<Line> out;
    for (auto& l : wrap(text, s, maxWidth)) out.push_back({l, s, std::nullopt});
    return out;
  }

  void newPage();
  std::size_t pageCount() const { return pageCount_; }
  void usePage(std::size_t p) { page_ = p; }
  const std::vector<Op>& ops() const { return ops_; }
  float y() const { return y_; }
  void down(float by) { y_ -= by; }
  float room() const { return y_ - kBottom; }
  void need(float h) {
    if (h > room() && y_ < kTop) newPage();
  }

  void text(float x, float baseline, const std::string& s, const Style& st);
  void fill(float x, float y, float w, float h, Rgb c);
  void rule(float x1, float y1, float x2, float y2, Rgb c, float width = 0.5f);
  void rect(float x, float y, float w, float h, Rgb c, float width = 0.5f);
  bool image(const std::string& png, float x, float top, float maxW, float maxH);

  // Draws cells side by side from y(), splitting across pages only when a row is taller than a
  // fresh page. `decorate(top, height)` draws backgrounds/borders of each piece before its text;
  // `onBreak()` runs at the top of each new page (repeated table headers).
  void row(std::vector<Cell>& cells, float lineHeight, float padTop, float padBottom,
           const std::function<void(float, float)>& decorate, const std::function<void()>& onBreak,
           float reserveAfterBreak = 0);

  static float rowHeight(const std::vector<Cell>& cells, float lh, float padTop, float padBot) {
    std::size_t n = 1;
    for (auto& c : cells) n = std::max(n, c.lines.size());
    return padTop + static_cast<float>(n) * lh + padBot;
  }

  std::function<void()> runningHeader;

 private:
  const PreparedFont& metrics(const Style& s) const;
  void op(Op o) {
    o.page = page_;
    ops_.push_back(std::move(o));
  }

  const PdfRenderer::Impl& fonts_;
  std::vector<Op> ops_;
  std::size_t pageCount_ = 0, page_ = 0;
  float y_ = 0;
  std::set<std::string> placeholderFields_;
};

}  // namespace

struct PdfRenderer::Impl {
  PdfFontStrategy strategy;
  PreparedFont regular, bold;
  std::unique_ptr<FontFile> regularFile, boldFile;  // unless kPerDocumentSubset
  bool shown(char32_t cp) const {
    return isRenderableCodePoint(cp) && regular.covers(cp) && bold.covers(cp);
  }
};

namespace {

const PreparedFont& Layout::metrics(const Style& s) const {
  return s.bold ? fonts_.bold : fonts_.regular;
}

std::string Layout::clean(std::string_view text, const std::string& field) {
  Cleaned c = engine::clean(text, [this](char32_t cp) { return fonts_.shown(cp); });
  if (c.replaced) placeholderFields_.insert(field);
  return std::move(c.text);
}

float Layout::width(std::string_view utf8, const Style& s) const {
  const PreparedFont& f = metrics(s);
  long units = 0;
  for (char32_t cp : decodeUtf8(utf8)) {
    if (f.covers(cp)) units += f.widths[cp];
  }
  return static_cast<float>(units) * s.size / 1000.0f;
}

std::vector<std::string> Layout::wrap(std::string_view text, const Style& s, float maxWidth) const {
  const PreparedFont& f = metrics(s);
  const float scale = s.size / 1000.0f;
  auto w = [&](char32_t cp) { return f.covers(cp) ? static_cast<float>(f.widths[cp]) * scale : 0; };
  std::vector<std::string> out;
  std::u32string all = decodeUtf8(text);
  std::size_t p = 0;
  while (p <= all.size()) {
    std::size_t nl = all.find(U'\n', p);
    if (nl == std::u32string::npos) nl = all.size();
    std::u32string_view para(all.data() + p, nl - p);
    std::string line;
    float lineW = 0;
    bool any = false;
    std::size_t i = 0;
    while (i < para.size()) {
      while (i < para.size() && para[i] == U' ') ++i;
      if (i >= para.size()) break;
      std::size_t j = i;
      float wordW = 0;
      while (j < para.size() && para[j] != U' ') wordW += w(para[j++]);
      float spaceW = any ? w(U' ') : 0;
      if (any && lineW + spaceW + wordW > maxWidth) {
        out.push_back(std::move(line));
        line.clear();
        lineW = 0;
        any = false;
        spaceW = 0;
      }
      if (!any && wordW > maxWidth) {
        // A word wider than the line (a URL, an identifier): break it between characters.
        for (std::size_t k = i; k < j; ++k) {
          float cw = w(para[k]);
          if (lineW + cw > maxWidth && !line.empty()) {
            out.push_back(std::move(line));
            line.clear();
            lineW = 0;
          }
          appendUtf8(line, para[k]);
          lineW += cw;
        }
        any = true;
        i = j;
        continue;
      }
      if (any) line.push_back(' ');
      for (std::size_t k = i; k < j; ++k) appendUtf8(line, para[k]);
      lineW += spaceW + wordW;
      any = true;
      i = j;
    }
    out.push_back(std::move(line));
    p = nl + 1;
  }
  return out;
}

void Layout::newPage() {
  page_ = pageCount_++;
  y_ = kTop;
  if (runningHeader) runningHeader();
}

void Layout::text(float x, float baseline, const std::string& s, const Style& st) {
  if (s.empty()) return;
  op({Op::kText, 0, x, baseline, 0, 0, st.colour, 0, st, s, nullptr});
}

void Layout::fill(float x, float yy, float w, float h, Rgb c) {
  op({Op::kFill, 0, x, yy, w, h, c, 0, {}, {}, nullptr});
}

void Layout::rule(float x1, float y1, float x2, float y2, Rgb c, float lw) {
  op({Op::kLine, 0, x1, y1, x2, y2, c, lw, {}, {}, nullptr});
}

void Layout::rect(float x, float yy, float w, float h, Rgb c, float lw) {
  op({Op::kRect, 0, x, yy, w, h, c, lw, {}, {}, nullptr});
}

// Width and height from the PNG header; 0 when the bytes are not a PNG.
std::pair<std::uint32_t, std::uint32_t> pngSize(const std::string& png) {
  static const char kSig[] = "\x89PNG\r\n\x1a\n";
  if (png.size() < 24 || png.compare(0, 8, kSig, 8) != 0 || png.compare(12, 4, "IHDR") != 0) {
    return {0, 0};
  }
  auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<std::uint8_t>(png[at + k]);
    return v;
  };
  return {be32(16), be32(20)};
}

bool Layout::image(const std::string& png, float x, float top, float maxW, float maxH) {
  auto [pw, ph] = pngSize(png);
  if (pw == 0 || ph == 0) return false;
  auto iw = static_cast<float>(pw), ih = static_cast<float>(ph);
  float scale = std::min(maxW / iw, maxH / ih);
  op({Op::kImage, 0, x, top - ih * scale, iw * scale, ih * scale, {}, 0, {}, {}, &png});
  return true;
}

void Layout::row(std::vector<Cell>& cells, float lh, float padTop, float padBot,
                 const std::function<void(float, float)>& decorate,
                 const std::function<void()>& onBreak, float reserveAfterBreak) {
  std::size_t total = 1;
  for (auto& c : cells) total = std::max(total, c.lines.size());
  const float full = padTop + static_cast<float>(total) * lh + padBot;
  const float freshRoom = kTop - kBottom - reserveAfterBreak;
  auto breakPage = [&] {
    newPage();
    if (!onBreak) return;
    onBreak();
    // A repeated header so tall that no line fits under it would break pages forever (found by
    // fuzzing): the row goes on to a fresh page without it.
    if (room() - padTop - padBot < lh) newPage();
  };
  if (full > room() && full <= freshRoom) breakPage();
  std::size_t from = 0;
  while (from < total) {
    auto fit =
        static_cast<std::size_t>(std::max(0.0f, std::floor((room() - padTop - padBot) / lh)));
    if (fit == 0) {
      breakPage();
      continue;
    }
    std::size_t n = std::min(fit, total - from);
    float h = padTop + static_cast<float>(n) * lh + padBot;
    float top = y_;
    if (decorate) decorate(top, h);
    for (auto& c : cells) {
      float baseline = top - padTop - lh * 0.78f;
      for (std::size_t k = from; k < from + n && k < c.lines.size(); ++k) {
        const Line& l = c.lines[k];
        float x = c.x;
        if (l.swatch) {
          fill(x, baseline - 1.5f, 9, 9,
               Rgb{l.swatch->r / 255.0f, l.swatch->g / 255.0f, l.swatch->b / 255.0f});
          rect(x, baseline - 1.5f, 9, 9, kMuted, 0.4f);
          x += 14;
        }
        text(x, baseline, l.text, l.style);
        baseline -= lh;
      }
    }
    y_ -= h;
    from += n;
    if (from < total) breakPage();
  }
}

// ---------------------------------------------------------------------------------------------
// The document painter: one pass over the model, footers drawn at the end.

std::string formatDate(const std::optional<Date>& d) { return d ? ukDate(*d) : std::string(); }

std::string formatTime(TimePoint t) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::hh_mm_ss<std::chrono::seconds> hms{t - day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d UTC", static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()));
  return ukDate(Date{day}) + ", " + buf;
}

class Painter {
 public:
  Painter(Layout& l, const PdfDocument& d) : l_(l), d_(d) {}

  void paint();

 private:
  struct Block {
    float minHeight = 0;  // what must fit below a heading so it is not orphaned
    std::function<void()> draw;
  };

  std::string c(std::string_view s, const std::string& field) { return l_.clean(s, field); }
  void firstPageHeader();
  void runningHeader();
  void heading(const std::string& title, float keepWith);
  Block item(const PdfItem& it);
  Block labelValueRow(const std::string& label, std::vector<Line> value);
  Block longText(const PdfItem& it, const PdfLongText& t);
  Block table(const std::string& label, const PdfTable& t, const std::string& field);
  void help(const std::string& text, float x, float w);
  void signatures();
  void auditPage();
  void footers();

  Layout& l_;
  const PdfDocument& d_;
  std::string runningLeft_, runningRight_;
};

void Painter::runningHeader() {
  const Style s{false, 7.5f, kFaint};
  l_.text(kLeft, kPageH - 30, runningLeft_, s);
  l_.text(kRight - l_.width(runningRight_, s), kPageH - 30, runningRight_, s);
  l_.rule(kLeft, kPageH - 36, kRight, kPageH - 36, kRule);
}

void Painter::firstPageHeader() {
  const PdfHeader& h = d_.header;
  float top = l_.y();
  float textW = kWidth;
  if (!h.logoPng.empty()) {
    if (l_.image(h.logoPng, kRight - 130, top, 130, 48)) {
      textW = kWidth - 140;
    } else {
      const Style note{false, 7.5f, kFaint};
      std::string msg = "[logo could not be shown]";
      l_.text(kRight - l_.width(msg, note), top - 8, msg, note);
    }
  }
  const Style academy{true, 10.5f, kPrimary};
  for (auto& line : l_.wrap(c(h.academyName, "header.academyName"), academy, textW)) {
    l_.text(kLeft, l_.y() - 11, line, academy);
    l_.down(14);
  }
  l_.down(6);
  const Style title{true, 19, kInk};
  for (auto& line : l_.wrap(c(h.title, "header.title"), title, textW)) {
    l_.text(kLeft, l_.y() - 19, line, title);
    l_.down(24);
  }
  l_.down(std::max(0.0f, l_.y() - (top - 56)));  // clear the logo
  l_.down(4);

  // Summary box: two columns of label-over-value cards.
  struct Card {
    std::string label, value;
  };
  std::vector<Card> cards{
      {"Pupil", c(h.pupilName, "header.pupilName")},
      {"Date of birth", formatDate(h.dateOfBirth)},
      {"Year group", c(h.yearGroup, "header.yearGroup")},
      {"Plan status", c(h.planState, "header.planState")},
      {"Version", std::to_string(h.version) + " (" + ukDate(dateOf(h.versionDate)) + ")"},
      {"Next review date", formatDate(d_.reviewDate)},
  };
  const Style cardLabel{false, 7.5f, kMuted};
  const Style cardValue{true, 10.5f, kInk};
  const float colW = (kWidth - 24) / 2;
  std::vector<std::pair<float, std::vector<std::string>>> wrapped;
  float boxH = 10;
  for (std::size_t i = 0; i < cards.size(); i += 2) {
    std::size_t n = 1;
    std::vector<std::vector<std::string>> pair;
    for (std::size_t k = i; k < std::min(i + 2, cards.size()); ++k) {
      std::string v = cards[k].value.empty() ? std::string("—") : cards[k].value;
      pair.push_back(l_.wrap(v, cardValue, colW - 8));
      n = std::max(n, pair.back().size());
    }
    boxH += 12 + static_cast<float>(n) * 13 + 8;
  }
  float boxTop = l_.y();
  l_.fill(kLeft, boxTop - boxH, kWidth, boxH, kShade);
  l_.fill(kLeft, boxTop - boxH, 3, boxH, kPrimary);
  float y = boxTop - 10;
  for (std::size_t i = 0; i < cards.size(); i += 2) {
    std::size_t n = 1;
    for (std::size_t k = i; k < std::min(i + 2, cards.size()); ++k) {
      float x = kLeft + 14 + static_cast<float>(k - i) * (colW + 6);
      l_.text(x, y - 8, cards[k].label, cardLabel);
      bool empty = cards[k].value.empty();
      auto lines = l_.wrap(empty ? std::string("—") : cards[k].value, cardValue, colW - 8);
      float by = y - 12 - 10.5f;
      for (auto& line : lines) {
        l_.text(x, by, line, empty ? Style{false, 10.5f, kFaint} : cardValue);
        by -= 13;
      }
      n = std::max(n, lines.size());
    }
    y -= 12 + static_cast<float>(n) * 13 + 8;
  }
  l_.down(boxH + 8);
}

void Painter::heading(const std::string& title, float keepWith) {
  const Style s{true, 13, kPrimary};
  auto lines = l_.wrap(title, s, kWidth);
  float h = 14 + static_cast<float>(lines.size()) * 17 + 8;
  l_.need(h + keepWith);
  if (l_.y() < kTop) l_.down(14);
  for (auto& line : lines) {
    l_.text(kLeft, l_.y() - 13, line, s);
    l_.down(17);
  }
  l_.rule(kLeft, l_.y() - 1, kRight, l_.y() - 1, kPrimary, 0.8f);
  l_.down(8);
}

void Painter::help(const std::string& text, float x, float w) {
  if (text.empty()) return;
  for (auto& line : l_.wrap(text, kHelp, w)) {
    l_.need(11);
    l_.text(x, l_.y() - 8.5f, line, kHelp);
    l_.down(11);
  }
  l_.down(2);
}

Painter::Block Painter::labelValueRow(const std::string& label, std::vector<Line> value) {
  auto cells = std::make_shared<std::vector<Cell>>();
  cells->push_back(Cell{kLeft, kLabelW, l_.lines(label, kLabel, kLabelW)});
  cells->push_back(Cell{kValueX, kValueW, std::move(value)});
  constexpr float kLh = 13.5f, kPadTop = 4, kPadBot = 5;
  float full = Layout::rowHeight(*cells, kLh, kPadTop, kPadBot);
  Block b;
  b.minHeight = full <= kTop - kBottom ? full : kPadTop + 2 * kLh + kPadBot;
  b.draw = [this, cells] {
    l_.row(
        *cells, kLh, kPadTop, kPadBot,
        [this](float top, float h) { l_.rule(kLeft, top - h, kRight, top - h, kRule, 0.4f); },
        nullptr);
  };
  return b;
}

Painter::Block Painter::longText(const PdfItem& it, const PdfLongText& t) {
  auto label = std::make_shared<std::vector<std::string>>();
  if (!it.label.empty()) *label = l_.wrap(c(it.label, it.id), Style{true, 10, kInk}, kWidth);
  auto body = std::make_shared<std::vector<std::string>>();
  bool empty = !t.text || t.text->find_first_not_of(" \n\r\t") == std::string::npos;
  if (!empty) *body = l_.wrap(c(*t.text, it.id), kBody, kWidth);
  constexpr float kLh = 14;
  Block b;
  b.minHeight =
      6 + static_cast<float>(label->size()) * 14 +
      static_cast<float>(std::min<std::size_t>(2, std::max<std::size_t>(1, body->size()))) * kLh;
  b.draw = [this, label, body, empty, min = b.minHeight] {
    l_.need(min);
    l_.down(6);
    for (auto& line : *label) {
      l_.text(kLeft, l_.y() - 10, line, Style{true, 10, kInk});
      l_.down(14);
    }
    if (empty) {
      l_.text(kLeft, l_.y() - 10.5f, "—", kEmpty);
      l_.down(kLh);
    }
    for (auto& line : *body) {
      if (l_.room() < kLh) l_.newPage();
      l_.text(kLeft, l_.y() - 10.5f, line, kBody);
      l_.down(kLh);
    }
    l_.down(4);
  };
  return b;
}

Painter::Block Painter::table(const std::string& label, const PdfTable& t,
                              const std::string& field) {
  struct Prepared {
    std::vector<Cell> header;
    std::vector<std::vector<Cell>> rows;
    std::vector<std::string> label;
  };
  auto p = std::make_shared<Prepared>();
  float totalWeight = 0;
  for (auto& col : t.columns) totalWeight += col.weight > 0 ? col.weight : 1;
  if (totalWeight <= 0) totalWeight = 1;
  std::vector<std::pair<float, float>> geo;  // x, w
  float x = kLeft;
  for (auto& col : t.columns) {
    float w = kWidth * (col.weight > 0 ? col.weight : 1) / totalWeight;
    geo.emplace_back(x, w);
    x += w;
  }
  constexpr float kPad = 4;
  for (std::size_t k = 0; k < t.columns.size(); ++k) {
    p->header.push_back(
        Cell{geo[k].first + kPad, geo[k].second - 2 * kPad,
             l_.lines(c(t.columns[k].header, field), kCellHead, geo[k].second - 2 * kPad)});
  }
  for (auto& r : t.rows) {
    std::vector<Cell> cells;
    for (std::size_t k = 0; k < t.columns.size(); ++k) {
      const std::optional<std::string>* v = k < r.size() ? &r[k] : nullptr;
      bool empty = !v || !v->has_value() || (*v)->empty();
      cells.push_back(Cell{geo[k].first + kPad, geo[k].second - 2 * kPad,
                           empty ? std::vector<Line>{{"—", Style{false, 9, kFaint}, std::nullopt}}
                                 : l_.lines(c(**v, field), kCell, geo[k].second - 2 * kPad)});
    }
    p->rows.push_back(std::move(cells));
  }
  if (!label.empty()) p->label = l_.wrap(c(label, field), Style{true, 10, kInk}, kWidth);
  constexpr float kLh = 11.5f, kPadTop = 3, kPadBot = 4;
  const float headerH = Layout::rowHeight(p->header, kLh, kPadTop, kPadBot);
  const float labelH = 6 + static_cast<float>(p->label.size()) * 14;
  float firstRow = p->rows.empty() ? 20 : Layout::rowHeight(p->rows.front(), kLh, kPadTop, kPadBot);
  firstRow = std::min(firstRow, kPadTop + 2 * kLh + kPadBot);
  Block b;
  b.minHeight = labelH + headerH + firstRow;
  b.draw = [this, p, geo, headerH, min = b.minHeight, labelText = c(label, field),
            empty = c(t.emptyText, field)] {
    l_.need(min);
    l_.down(6);
    for (auto& line : p->label) {
      l_.text(kLeft, l_.y() - 10, line, Style{true, 10, kInk});
      l_.down(14);
    }
    auto grid = [this, geo](float top, float h, Rgb background) {
      if (background.r < 1) l_.fill(kLeft, top - h, kWidth, h, background);
      for (auto& [gx, gw] : geo) l_.rect(gx, top - h, gw, h, kRule, 0.5f);
    };
    auto drawHeader = [this, p, grid] {
      l_.row(
          p->header, kLh, kPadTop, kPadBot,
          [grid](float top, float h) { grid(top, h, kHeaderFill); }, nullptr);
    };
    drawHeader();
    auto onBreak = [this, drawHeader, labelText] {
      if (!labelText.empty()) {
        const Style cont{false, 8, kMuted};
        l_.text(kLeft, l_.y() - 8, labelText + " (continued)", cont);
        l_.down(12);
      }
      drawHeader();
    };
    if (p->rows.empty()) {
      std::vector<Cell> none{Cell{kLeft + kPad, kWidth - 2 * kPad,
                                  l_.lines(empty, Style{false, 9, kFaint}, kWidth - 2 * kPad)}};
      l_.row(
          none, kLh, kPadTop, kPadBot,
          [this](float top, float h) { l_.rect(kLeft, top - h, kWidth, h, kRule); }, onBreak,
          headerH + 12);
    }
    for (std::size_t i = 0; i < p->rows.size(); ++i) {
      Rgb bg = i % 2 ? kShade : Rgb{1, 1, 1};
      l_.row(
          p->rows[i], kLh, kPadTop, kPadBot, [grid, bg](float top, float h) { grid(top, h, bg); },
          onBreak, headerH + 12);
    }
    l_.down(6);
  };
  return b;
}

Painter::Block Painter::item(const PdfItem& it) {
  std::string label = c(it.label, it.id);
  // Label/value rows carry their help line inside the value cell.
  auto labelValueRow = [&](const std::string& lbl, std::vector<Line> value) {
    if (!it.help.empty()) {
      for (auto& line : l_.wrap(c(it.help, it.id), kHelp, kValueW))
        value.push_back({line, kHelp, {}});
    }
    return this->labelValueRow(lbl, std::move(value));
  };
  Block b = std::visit(
      [&](const auto& v) -> Block {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, PdfText>) {
          if (!v.value || v.value->empty()) return labelValueRow(label, {{"—", kEmpty, {}}});
          return labelValueRow(label, l_.lines(c(*v.value, it.id), kBody, kValueW));
        } else if constexpr (std::is_same_v<T, PdfLongText>) {
          return longText(it, v);
        } else if constexpr (std::is_same_v<T, PdfYesNo>) {
          if (!v.value) return labelValueRow(label, {{"—", kEmpty, {}}});
          return labelValueRow(label, {{*v.value ? "Yes" : "No", Style{true, 10, kInk}, {}}});
        } else if constexpr (std::is_same_v<T, PdfChoice>) {
          std::vector<Line> out;
          const Style chosen{true, 10, kInk}, other{false, 10, kFaint};
          auto isChosen = [&](const std::string& o) {
            return std::find(v.chosen.begin(), v.chosen.end(), o) != v.chosen.end();
          };
          if (!v.options.empty()) {
            for (auto& o : v.options) {
              bool on = isChosen(o);
              for (auto& line :
                   l_.wrap((on ? "☑ " : "☐ ") + c(o, it.id), on ? chosen : other, kValueW))
                out.push_back({line, on ? chosen : other, {}});
            }
            for (auto& o : v.chosen) {  // a chosen value no longer among the options
              if (std::find(v.options.begin(), v.options.end(), o) != v.options.end()) continue;
              for (auto& line : l_.wrap("☑ " + c(o, it.id), chosen, kValueW))
                out.push_back({line, chosen, {}});
            }
          } else {
            for (auto& o : v.chosen) {
              for (auto& line : l_.wrap((v.multiple ? "• " : "") + c(o, it.id), kBody, kValueW))
                out.push_back({line, kBody, {}});
            }
          }
          if (v.options.empty() && v.chosen.empty()) out.push_back({"—", kEmpty, {}});
          return labelValueRow(label, std::move(out));
        } else if constexpr (std::is_same_v<T, PdfTable>) {
          return table(it.label, v, it.id);
        } else {
          static_assert(std::is_same_v<T, PdfRating>);
          std::string text = c(v.band, it.id);
          if (v.score && !v.score->empty()) text = c(*v.score, it.id) + " — " + text;
          if (text.empty()) return labelValueRow(label, {{"—", kEmpty, {}}});
          std::vector<Line> out;
          auto lines = l_.wrap(text, Style{true, 10, kInk}, kValueW - 14);
          for (std::size_t i = 0; i < lines.size(); ++i) {
            out.push_back({lines[i], Style{true, 10, kInk},
                           i == 0 ? std::optional<PdfColour>(v.colour) : std::nullopt});
          }
          return labelValueRow(label, std::move(out));
        }
      },
      it.content);
  bool wide = std::holds_alternative<PdfLongText>(it.content) ||
              std::holds_alternative<PdfTable>(it.content);
  if (!it.help.empty() && wide) {
    auto draw = std::move(b.draw);
    b.draw = [this, draw, helpText = c(it.help, it.id)] {
      draw();
      help(helpText, kLeft, kWidth);
    };
  }
  return b;
}

void Painter::signatures() {
  if (d_.signatures.empty()) return;
  constexpr float kBlockH = 92;
  heading("Signatures", kBlockH + 6);
  const Style role{true, 10, kPrimary}, label{false, 8, kMuted}, value{false, 9.5f, kInk};
  for (std::size_t i = 0; i < d_.signatures.size(); ++i) {
    const PdfSignature& s = d_.signatures[i];
    std::string field = "signature." + std::to_string(i);
    l_.need(kBlockH + 6);
    float top = l_.y();
    l_.rect(kLeft, top - kBlockH, kWidth, kBlockH, kRule, 0.6f);
    l_.text(kLeft + 10, top - 16, c(s.role, field), role);
    const float leftW = kWidth * 0.5f;
    float rowY = top - 36;
    auto field3 = [&](const char* name, const std::optional<std::string>& v) {
      l_.text(kLeft + 10, rowY, name, label);
      if (v && !v->empty()) {
        auto lines = l_.wrap(c(*v, field), value, leftW - 70);
        l_.text(kLeft + 62, rowY,
                lines.empty() ? "" : lines.front() + (lines.size() > 1 ? " …" : ""), value);
      } else {
        l_.rule(kLeft + 62, rowY - 2, kLeft + leftW - 10, rowY - 2, kMuted, 0.5f);
      }
      rowY -= 18;
    };
    bool signedSlot = s.signedAt.has_value();
    field3("Name", s.name);
    field3("Date", signedSlot ? std::optional<std::string>(formatTime(*s.signedAt)) : std::nullopt);
    field3("Method", signedSlot ? s.method : std::nullopt);
    float sx = kLeft + leftW + 10, sw = kWidth - leftW - 20;
    l_.text(sx, top - 36, "Signature", label);
    bool drawn = signedSlot && l_.image(s.drawnPng, sx, top - 42, sw, kBlockH - 50);
    if (signedSlot && !drawn) {
      std::string note =
          s.drawnPng.empty() ? "Signed electronically" : "Signed (drawn image could not be shown)";
      if (s.name && !s.name->empty()) note += " by " + c(*s.name, field);
      for (auto& line : l_.wrap(note, Style{false, 9.5f, kInk}, sw)) {
        l_.text(sx, rowY + 18, line, Style{false, 9.5f, kInk});
        rowY -= 12;
      }
    } else if (!signedSlot) {
      l_.rule(sx, top - kBlockH + 16, sx + sw, top - kBlockH + 16, kMuted, 0.5f);
    }
    l_.down(kBlockH + 8);
  }
}

void Painter::auditPage() {
  const PdfAuditCertificate& a = *d_.auditCertificate;
  l_.newPage();
  const Style title{true, 16, kPrimary};
  for (auto& line : l_.wrap(c(a.title, "audit"), title, kWidth)) {
    l_.text(kLeft, l_.y() - 16, line, title);
    l_.down(21);
  }
  l_.rule(kLeft, l_.y() - 1, kRight, l_.y() - 1, kPrimary, 0.8f);
  l_.down(8);
  if (!a.intro.empty()) {
    for (auto& line : l_.wrap(c(a.intro, "audit"), Style{false, 9.5f, kMuted}, kWidth)) {
      l_.need(13);
      l_.text(kLeft, l_.y() - 10, line, Style{false, 9.5f, kMuted});
      l_.down(13);
    }
    l_.down(4);
  }
  for (auto& r : a.rows) {
    std::vector<Line> v = r.value && !r.value->empty()
                              ? l_.lines(c(*r.value, "audit"), kBody, kValueW)
                              : std::vector<Line>{{"—", kEmpty, {}}};
    labelValueRow(c(r.label, "audit"), std::move(v)).draw();
  }
  if (a.table) {
    l_.down(6);
    table(a.tableTitle, *a.table, "audit").draw();
  }
}

void Painter::footers() {
  const std::string total = std::to_string(l_.pageCount());
  std::string marking = c(d_.header.confidentiality, "header.confidentiality");
  std::string version = "Version " + std::to_string(d_.header.version) + " · " +
                        ukDate(dateOf(d_.header.versionDate));
  if (!d_.header.contentHash.empty()) {
    version += " · content hash " + shortHash(d_.header.contentHash);
  }
  const Style pageStyle{true, 8.5f, kInk};
  const Style small{false, 7, kFaint};
  // Deferred: libharu lets us draw on earlier pages once the page count is known.
  for (std::size_t i = 0; i < l_.pageCount(); ++i) {
    l_.usePage(i);
    std::string pageText = "Page " + std::to_string(i + 1) + " of " + total;
    Style markStyle{true, 7.5f, kMarking};
    const float markMax = kWidth - l_.width(pageText, pageStyle) - 20;
    while (markStyle.size > 5.5f && l_.width(marking, markStyle) > markMax) markStyle.size -= 0.25f;
    l_.rule(kLeft, 48, kRight, 48, kRule);
    float y = 37;
    for (auto& line : l_.wrap(marking, markStyle, markMax)) {
      l_.text(kLeft, y, line, markStyle);
      y -= markStyle.size + 2;
    }
    l_.text(kRight - l_.width(pageText, pageStyle), 37, pageText, pageStyle);
    l_.text(kLeft, std::min(y - 1, 26.0f), version, small);
  }
}

void Painter::paint() {
  const PdfHeader& h = d_.header;
  runningLeft_ = c(h.pupilName, "header.pupilName") + " — " + c(h.title, "header.title");
  runningRight_ = c(h.academyName, "header.academyName");
  l_.runningHeader = [this] { runningHeader(); };
  l_.newPage();
  firstPageHeader();
  for (std::size_t s = 0; s < d_.sections.size(); ++s) {
    const PdfSection& section = d_.sections[s];
    const std::string field = "section." + std::to_string(s);
    std::vector<Block> blocks;
    for (auto& it : section.items) blocks.push_back(item(it));
    std::vector<std::string> intro;
    if (!section.intro.empty()) intro = l_.wrap(c(section.intro, field), kHelp, kWidth);
    float keep = static_cast<float>(intro.size()) * 11 + (blocks.empty() ? 0 : blocks[0].minHeight);
    heading(c(section.title, field), keep);
    for (auto& line : intro) {
      l_.need(11);
      l_.text(kLeft, l_.y() - 8.5f, line, kHelp);
      l_.down(11);
    }
    if (blocks.empty()) {
      l_.need(16);
      l_.text(kLeft, l_.y() - 11, "—", kEmpty);
      l_.down(16);
    }
    for (auto& b : blocks) {
      l_.need(b.minHeight);
      b.draw();
    }
  }
  if (!d_.deadlines.empty()) {
    PdfTable t;
    t.columns = {{"Deadline", 3}, {"Due date", 1.6f}, {"Status", 1.4f}};
    for (auto& dl : d_.deadlines) {
      t.rows.push_back({dl.name,
                        dl.due ? std::optional<std::string>(ukDate(*dl.due)) : std::nullopt,
                        dl.status.empty() ? std::nullopt : std::optional<std::string>(dl.status)});
    }
    Block b = table("", t, "deadlines");
    heading("Review deadlines", b.minHeight);
    b.draw();
  }
  signatures();
  if (d_.auditCertificate) auditPage();
  footers();
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

}  // namespace

PdfFonts PdfFonts::dejaVu() {
  const std::string dir = "/usr/share/fonts/truetype/dejavu/";
  return PdfFonts{dir + "DejaVuSans.ttf", dir + "DejaVuSans-Bold.ttf",
                  PdfFontStrategy::kPerDocumentSubset};
}

PdfRenderer::PdfRenderer(PdfFonts fonts) : impl_(std::make_unique<Impl>()) {
  impl_->strategy = fonts.strategy;
  bool reduce = fonts.strategy != PdfFontStrategy::kFullFont;
  impl_->regular = prepareFont(readFile(fonts.regularPath), reduce);
  impl_->bold = prepareFont(readFile(fonts.boldPath), reduce);
  if (fonts.strategy != PdfFontStrategy::kPerDocumentSubset) {
    impl_->regularFile = std::make_unique<FontFile>(impl_->regular.ttf);
    impl_->boldFile = std::make_unique<FontFile>(impl_->bold.ttf);
  }
  for (char32_t required : std::u32string(U"[]—…☑☐• 0123456789")) {
    if (!impl_->shown(required)) throw InfraError("PDF font lacks a glyph the layout needs");
  }
}

PdfRenderer::~PdfRenderer() = default;

namespace {

// ---------------------------------------------------------------------------------------------
// Fonts written as PDF objects through libharu's object layer. libharu's own TrueType path
// (HPDF_LoadTTFontFromFile + the UTF-8 encoder) re-parses the file and builds, deflates and
// embeds a 65,536-entry CID→glyph map per font and document, which cost most of the render
// time. Here each font is a Type0 / CIDFontType2 with Identity encoding and CIDToGIDMap: the
// document's own subset (one glyph per code point used, in code point order), its widths, and a
// compact ToUnicode CMap, so text extraction gives back exactly the characters drawn.

struct CidFont {
  HPDF_Dict dict = nullptr;            // the Type0 font
  std::vector<std::uint16_t> glyphOf;  // BMP code point → glyph id (0: not in this subset)
};

void checkStatus(HPDF_STATUS st, const char* what) {
  if (st != HPDF_OK) {
    char buf[120];
    std::snprintf(buf, sizeof buf, "libharu failed while %s: error 0x%04X", what,
                  static_cast<unsigned>(st));
    throw InfraError(buf);
  }
}

template <typename T>
T checked(T obj, const char* what) {
  if (!obj) throw InfraError(std::string("libharu failed while ") + what);
  return obj;
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

// Six capital letters naming the subset (PDF 32000 9.6.4), from its content: deterministic.
std::string subsetTag(const std::vector<char32_t>& codes, const std::string& name) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::uint64_t v) {
    h ^= v;
    h *= 1099511628211ull;
  };
  for (char ch : name) mix(static_cast<unsigned char>(ch));
  for (char32_t c : codes) mix(c);
  std::string tag;
  for (int i = 0; i < 6; ++i) {
    tag.push_back(static_cast<char>('A' + h % 26));
    h /= 26;
  }
  return tag;
}

std::string toUnicodeCMap(const std::vector<char32_t>& codes) {
  std::string m =
      "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
      "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
      "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
  for (std::size_t from = 0; from < codes.size(); from += 100) {
    std::size_t n = std::min<std::size_t>(100, codes.size() - from);
    m += std::to_string(n) + " beginbfchar\n";
    for (std::size_t i = from; i < from + n; ++i) {
      m += '<';
      appendHex4(m, static_cast<std::uint32_t>(i + 1));
      m += "> <";
      appendHex4(m, codes[i]);
      m += ">\n";
    }
    m += "endbfchar\n";
  }
  m += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
  return m;
}

// zlib's fastest level: a few per cent larger than the default level, at a fraction of the
// time (these streams are small; the whole document stays far below 100 KB).
std::string deflate(std::string_view in) {
  std::ostringstream out;
  {
    Poco::DeflatingOutputStream z(out, Poco::DeflatingStreamBuf::STREAM_ZLIB, 1);
    z.write(in.data(), static_cast<std::streamsize>(in.size()));
    z.close();
  }
  return std::move(out).str();
}

// Marks a stream whose bytes are already deflated. libharu drops a "Filter" entry from streams
// it does not compress itself, but calls a dictionary's write_fn just before ">>".
HPDF_STATUS writeFlateFilter(HPDF_Dict, HPDF_Stream out) noexcept {
  return HPDF_Stream_WriteStr(out, "/Filter /FlateDecode\012");
}

// A stream object holding `bytes` deflated.
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

CidFont embedFont(HPDF_Doc h, const PreparedFont& f, const std::vector<char32_t>& codes) {
  const char* what = "embedding a font";
  CidFont out;
  out.glyphOf.assign(0x10000, 0);
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (codes[i] < out.glyphOf.size()) out.glyphOf[codes[i]] = static_cast<std::uint16_t>(i + 1);
  }
  const std::string ttf = f.orderedSubset(codes);
  const std::string base = subsetTag(codes, f.postScriptName) + "+" + f.postScriptName;

  HPDF_Dict file = flateStream(h, ttf, what);
  checkStatus(HPDF_Dict_AddNumber(file, "Length1", static_cast<HPDF_INT32>(ttf.size())), what);

  HPDF_Dict desc = indirectDict(h, what);
  checkStatus(HPDF_Dict_AddName(desc, "Type", "FontDescriptor"), what);
  checkStatus(HPDF_Dict_AddName(desc, "FontName", base.c_str()), what);
  checkStatus(HPDF_Dict_AddNumber(desc, "Flags", 32), what);
  checkStatus(
      HPDF_Dict_Add(desc, "FontBBox", numbers(h, {f.bbox[0], f.bbox[1], f.bbox[2], f.bbox[3]})),
      what);
  checkStatus(HPDF_Dict_AddNumber(desc, "ItalicAngle", 0), what);
  checkStatus(HPDF_Dict_AddNumber(desc, "Ascent", f.ascent), what);
  checkStatus(HPDF_Dict_AddNumber(desc, "Descent", f.descent), what);
  checkStatus(HPDF_Dict_AddNumber(desc, "CapHeight", f.capHeight), what);
  checkStatus(HPDF_Dict_AddNumber(desc, "StemV", 80), what);
  checkStatus(HPDF_Dict_Add(desc, "FontFile2", file), what);

  HPDF_Dict cid = indirectDict(h, what);
  checkStatus(HPDF_Dict_AddName(cid, "Type", "Font"), what);
  checkStatus(HPDF_Dict_AddName(cid, "Subtype", "CIDFontType2"), what);
  checkStatus(HPDF_Dict_AddName(cid, "BaseFont", base.c_str()), what);
  HPDF_Dict info = checked(HPDF_Dict_New(h->mmgr), what);
  checkStatus(HPDF_Dict_Add(info, "Registry", HPDF_String_New(h->mmgr, "Adobe", nullptr)), what);
  checkStatus(HPDF_Dict_Add(info, "Ordering", HPDF_String_New(h->mmgr, "Identity", nullptr)), what);
  checkStatus(HPDF_Dict_AddNumber(info, "Supplement", 0), what);
  checkStatus(HPDF_Dict_Add(cid, "CIDSystemInfo", info), what);
  checkStatus(HPDF_Dict_Add(cid, "FontDescriptor", desc), what);
  checkStatus(HPDF_Dict_AddNumber(cid, "DW", 0), what);
  HPDF_Array widths = checked(HPDF_Array_New(h->mmgr), what);
  HPDF_Array run = checked(HPDF_Array_New(h->mmgr), what);
  for (char32_t c : codes) {
    checkStatus(HPDF_Array_AddNumber(run, f.covers(c) ? f.widths[c] : 0), what);
  }
  checkStatus(HPDF_Array_AddNumber(widths, 1), what);
  checkStatus(HPDF_Array_Add(widths, run), what);
  checkStatus(HPDF_Dict_Add(cid, "W", widths), what);
  checkStatus(HPDF_Dict_AddName(cid, "CIDToGIDMap", "Identity"), what);

  HPDF_Dict toUnicode = flateStream(h, toUnicodeCMap(codes), what);

  out.dict = indirectDict(h, what);
  checkStatus(HPDF_Dict_AddName(out.dict, "Type", "Font"), what);
  checkStatus(HPDF_Dict_AddName(out.dict, "Subtype", "Type0"), what);
  checkStatus(HPDF_Dict_AddName(out.dict, "BaseFont", base.c_str()), what);
  checkStatus(HPDF_Dict_AddName(out.dict, "Encoding", "Identity-H"), what);
  HPDF_Array descendants = checked(HPDF_Array_New(h->mmgr), what);
  checkStatus(HPDF_Array_Add(descendants, cid), what);
  checkStatus(HPDF_Dict_Add(out.dict, "DescendantFonts", descendants), what);
  checkStatus(HPDF_Dict_Add(out.dict, "ToUnicode", toUnicode), what);
  return out;
}

// A document information string as UTF-16BE with a byte order mark (PDF 32000 7.9.2.2), so
// no libharu encoder (and its tables) is needed for it.
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

// libharu's own text path, for the comparison strategies (kFullFont, kScriptSubset).
void drawText(HPDF_Page p, HPDF_Font font, float size, float x, float y, const std::string& text) {
  HPDF_Page_BeginText(p);
  HPDF_Page_SetFontAndSize(p, font, size);
  HPDF_Page_TextOut(p, x, y, text.c_str());
  HPDF_Page_EndText(p);
}

// Replays the recorded layout into a libharu document through libharu's drawing calls.
void replay(Doc& doc, const Layout& layout, HPDF_Font regular, HPDF_Font bold) {
  std::vector<HPDF_Page> pages;
  for (std::size_t i = 0; i < layout.pageCount(); ++i) {
    HPDF_Page p = HPDF_AddPage(doc.get());
    doc.check("adding a page");
    HPDF_Page_SetSize(p, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    pages.push_back(p);
  }
  std::map<const std::string*, HPDF_Image> images;
  for (const Op& o : layout.ops()) {
    HPDF_Page p = pages.at(o.page);
    switch (o.kind) {
      case Op::kText:
        HPDF_Page_SetRGBFill(p, o.colour.r, o.colour.g, o.colour.b);
        drawText(p, o.style.bold ? bold : regular, o.style.size, o.x, o.y, o.text);
        break;
      case Op::kFill:
        HPDF_Page_SetRGBFill(p, o.colour.r, o.colour.g, o.colour.b);
        HPDF_Page_Rectangle(p, o.x, o.y, o.w, o.h);
        HPDF_Page_Fill(p);
        break;
      case Op::kLine:
        HPDF_Page_SetRGBStroke(p, o.colour.r, o.colour.g, o.colour.b);
        HPDF_Page_SetLineWidth(p, o.lineWidth);
        HPDF_Page_MoveTo(p, o.x, o.y);
        HPDF_Page_LineTo(p, o.w, o.h);
        HPDF_Page_Stroke(p);
        break;
      case Op::kRect:
        HPDF_Page_SetRGBStroke(p, o.colour.r, o.colour.g, o.colour.b);
        HPDF_Page_SetLineWidth(p, o.lineWidth);
        HPDF_Page_Rectangle(p, o.x, o.y, o.w, o.h);
        HPDF_Page_Stroke(p);
        break;
      case Op::kImage: {
        auto it = images.find(o.png);
        if (it == images.end()) {
          doc.check("before loading an image");
          HPDF_Image img =
              HPDF_LoadPngImageFromMem(doc.get(), reinterpret_cast<const HPDF_BYTE*>(o.png->data()),
                                       static_cast<HPDF_UINT>(o.png->size()));
          if (doc.failedAndReset()) img = nullptr;  // a corrupt PNG: shown as a note below
          it = images.emplace(o.png, img).first;
        }
        if (it->second) {
          HPDF_Page_DrawImage(p, it->second, o.x, o.y, o.w, o.h);
        } else {
          HPDF_Page_SetRGBFill(p, kFaint.r, kFaint.g, kFaint.b);
          drawText(p, regular, 7.5f, o.x, o.y + o.h / 2, "[image could not be shown]");
        }
        break;
      }
    }
  }
  doc.check("drawing the pages");
}

// The default path: every page's content written here as PDF operators (colour and line
// width only when they change) and deflated once per page at zlib's fastest level; libharu
// keeps the document structure, images and resources. libharu's own content-stream compression
// (default level) cost more than all the layout.
class PageContent {
 public:
  void fill(Rgb c) {
    if (!fill_ || fill_->r != c.r || fill_->g != c.g || fill_->b != c.b) {
      colour(c);
      s_ += "rg\n";
      fill_ = c;
    }
  }
  void stroke(Rgb c, float width) {
    if (!stroke_ || stroke_->r != c.r || stroke_->g != c.g || stroke_->b != c.b) {
      colour(c);
      s_ += "RG\n";
      stroke_ = c;
    }
    if (width != lineWidth_) {
      appendNumber(s_, width);
      s_ += " w\n";
      lineWidth_ = width;
    }
  }
  void numbers(std::initializer_list<float> values, const char* op) {
    for (float v : values) {
      appendNumber(s_, v);
      s_ += ' ';
    }
    s_ += op;
    s_ += '\n';
  }
  void text(const char* font, const CidFont& f, float size, float x, float y,
            const std::string& utf8) {
    s_ += "BT\n/";
    s_ += font;
    s_ += ' ';
    numbers({size}, "Tf");
    numbers({x, y}, "Td");
    s_ += '<';
    for (char32_t c : decodeUtf8(utf8)) appendHex4(s_, c < f.glyphOf.size() ? f.glyphOf[c] : 0);
    s_ += "> Tj\nET\n";
  }
  void raw(const std::string& ops) { s_ += ops; }
  const std::string& str() const { return s_; }

 private:
  void colour(Rgb c) {
    appendNumber(s_, c.r);
    s_ += ' ';
    appendNumber(s_, c.g);
    s_ += ' ';
    appendNumber(s_, c.b);
    s_ += ' ';
  }
  std::string s_;
  std::optional<Rgb> fill_, stroke_;
  float lineWidth_ = 1;
};

void replayOwnContent(Doc& doc, const Layout& layout, const CidFont& regular, const CidFont& bold) {
  HPDF_Doc h = doc.get();
  std::vector<HPDF_Page> pages;
  std::vector<PageContent> content(layout.pageCount());
  for (std::size_t i = 0; i < layout.pageCount(); ++i) {
    HPDF_Page p = HPDF_AddPage(h);
    doc.check("adding a page");
    HPDF_Page_SetSize(p, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    pages.push_back(p);
  }
  doc.check("adding the pages");
  std::map<const std::string*, HPDF_Image> images;
  auto text = [&](std::size_t page, bool isBold, float size, float x, float y,
                  const std::string& utf8) {
    const CidFont& f = isBold ? bold : regular;
    const char* name = checked(HPDF_Page_GetLocalFontName(pages[page], f.dict), "naming a font");
    content[page].text(name, f, size, x, y, utf8);
  };
  for (const Op& o : layout.ops()) {
    PageContent& c = content.at(o.page);
    switch (o.kind) {
      case Op::kText:
        c.fill(o.colour);
        text(o.page, o.style.bold, o.style.size, o.x, o.y, o.text);
        break;
      case Op::kFill:
        c.fill(o.colour);
        c.numbers({o.x, o.y, o.w, o.h}, "re f");
        break;
      case Op::kLine:
        c.stroke(o.colour, o.lineWidth);
        c.numbers({o.x, o.y}, "m");
        c.numbers({o.w, o.h}, "l S");
        break;
      case Op::kRect:
        c.stroke(o.colour, o.lineWidth);
        c.numbers({o.x, o.y, o.w, o.h}, "re S");
        break;
      case Op::kImage: {
        auto it = images.find(o.png);
        if (it == images.end()) {
          doc.check("before loading an image");
          HPDF_Image img =
              HPDF_LoadPngImageFromMem(h, reinterpret_cast<const HPDF_BYTE*>(o.png->data()),
                                       static_cast<HPDF_UINT>(o.png->size()));
          if (doc.failedAndReset()) img = nullptr;  // a corrupt PNG: shown as a note below
          it = images.emplace(o.png, img).first;
        }
        if (it->second) {
          const char* name =
              checked(HPDF_Page_GetXObjectName(pages[o.page], it->second), "naming an image");
          c.raw("q\n");
          c.numbers({o.w, 0, 0, o.h, o.x, o.y}, "cm");
          c.raw(std::string("/") + name + " Do\nQ\n");
        } else {
          c.fill(kFaint);
          text(o.page, false, 7.5f, o.x, o.y + o.h / 2, "[image could not be shown]");
        }
        break;
      }
    }
  }
  for (std::size_t i = 0; i < pages.size(); ++i) {
    auto* attr = static_cast<HPDF_PageAttr>(pages[i]->attr);
    const std::string z = deflate(content[i].str());
    checkStatus(HPDF_Stream_Write(attr->stream, reinterpret_cast<const HPDF_BYTE*>(z.data()),
                                  static_cast<HPDF_UINT>(z.size())),
                "writing a page");
    attr->contents->write_fn = writeFlateFilter;
  }
  doc.check("drawing the pages");
}

// The code points each font draws, plus the ones replay() may add.
std::vector<char32_t> usedCodePoints(const Layout& layout, bool bold) {
  std::vector<bool> seen(0x10000, false);
  for (char32_t c : std::u32string(U"[image could not be shown]")) seen[c] = true;
  for (const Op& o : layout.ops()) {
    if (o.kind != Op::kText || o.style.bold != bold) continue;
    for (char32_t c : decodeUtf8(o.text)) {
      if (c < seen.size()) seen[c] = true;
    }
  }
  std::vector<char32_t> out;
  for (char32_t c = 0; c < seen.size(); ++c) {
    if (seen[c]) out.push_back(c);
  }
  return out;
}

}  // namespace

RenderedPdf PdfRenderer::render(const PdfDocument& d) const {
  Layout layout(*impl_);
  Painter(layout, d).paint();

  Doc doc;
  HPDF_Doc h = doc.get();
  const bool own = impl_->strategy == PdfFontStrategy::kPerDocumentSubset;
  // Our own page content is deflated by replayOwnContent(); libharu compresses the rest.
  HPDF_SetCompressionMode(h, own ? HPDF_COMP_IMAGE | HPDF_COMP_METADATA : HPDF_COMP_ALL);
  doc.check("setting up the document");
  if (own) {
    CidFont regular = embedFont(h, impl_->regular, usedCodePoints(layout, false));
    CidFont bold = embedFont(h, impl_->bold, usedCodePoints(layout, true));
    replayOwnContent(doc, layout, regular, bold);
  } else {
    HPDF_UseUTFEncodings(h);
    HPDF_SetCurrentEncoder(h, "UTF-8");
    const char* regularName =
        HPDF_LoadTTFontFromFile(h, impl_->regularFile->path().c_str(), HPDF_TRUE);
    doc.check("loading the regular font");
    const char* boldName = HPDF_LoadTTFontFromFile(h, impl_->boldFile->path().c_str(), HPDF_TRUE);
    doc.check("loading the bold font");
    HPDF_Font regular = HPDF_GetFont(h, regularName, "UTF-8");
    HPDF_Font bold = HPDF_GetFont(h, boldName, "UTF-8");
    doc.check("selecting the fonts");
    replay(doc, layout, regular, bold);
  }

  // Metadata: only characters libharu can encode (non-BMP ones would be dropped silently).
  const PdfHeader& hd = d.header;
  std::string title = layout.clean(hd.title, "header.title");
  std::string pupil = layout.clean(hd.pupilName, "header.pupilName");
  std::string subject =
      d.subject.empty() ? title + " for " + pupil : layout.clean(d.subject, "subject");
  HPDF_SetInfoAttr(h, HPDF_INFO_CREATOR, "sendflow");  // also creates the Info dictionary
  doc.check("writing the metadata");
  setInfoText(h, "Title", title + " — " + pupil);
  setInfoText(h, "Author", layout.clean(hd.academyName, "header.academyName"));
  setInfoText(h, "Subject", subject);
  HPDF_SetInfoDateAttr(h, HPDF_INFO_CREATION_DATE, pdfDate(hd.versionDate));
  HPDF_SetInfoDateAttr(h, HPDF_INFO_MOD_DATE, pdfDate(hd.versionDate));
  doc.check("writing the metadata");

  HPDF_SaveToStream(h);
  doc.check("saving");
  RenderedPdf out;
  out.bytes.resize(HPDF_GetStreamSize(h));
  std::size_t done = 0;
  while (done < out.bytes.size()) {
    auto n = static_cast<HPDF_UINT32>(out.bytes.size() - done);
    HPDF_STATUS st =
        HPDF_ReadFromStream(h, reinterpret_cast<HPDF_BYTE*>(out.bytes.data() + done), &n);
    if (st != HPDF_OK && st != HPDF_STREAM_EOF) break;
    done += n;
    if (st == HPDF_STREAM_EOF || n == 0) break;
  }
  if (done != out.bytes.size()) throw InfraError("libharu returned a short PDF stream");
  out.pages = static_cast<int>(layout.pageCount());
  out.placeholderFields.assign(layout.placeholderFields().begin(),
                               layout.placeholderFields().end());
  return out;
}

void writeFileAtomically(const std::string& path, std::string_view bytes) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw InfraError("cannot create a temporary file beside " + path);
  auto fail = [&](const char* what) {
    int saved = errno;
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw InfraError(std::string(what) + " " + path + " (errno " + std::to_string(saved) + ")");
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write");
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0) fail("cannot set the mode of");
  if (::fsync(fd) != 0) fail("cannot sync");
  if (::close(fd) != 0) {
    int saved = errno;
    ::unlink(tmpl.c_str());
    throw InfraError("cannot close " + path + " (errno " + std::to_string(saved) + ")");
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(tmpl.c_str());
    throw InfraError("cannot rename onto " + path + " (errno " + std::to_string(saved) + ")");
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // best effort: the rename is durable once the directory is
    ::close(dfd);
  }
}

}  // namespace sendflow::engine
