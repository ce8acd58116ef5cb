#include "page_content.h"

#include <hpdf_doc.h>
#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

#include "text_filter.h"

namespace sendflow::engine::pdf {
namespace {

GlyphKey carrierKey(const FontFace& face, const Carrier& c) {
  return {face.spaceGlyph(), c.text, static_cast<int>(std::lround(c.width))};
}

constexpr std::u32string_view kImageNote = U"[image could not be shown]";

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
            std::u32string_view codePoints) {
    s_ += "BT\n/";
    s_ += font;
    s_ += ' ';
    numbers({size}, "Tf");
    numbers({x, y}, "Td");
    s_ += '<';
    for (char32_t c : codePoints) appendHex4(s_, c < f.cidOf.size() ? f.cidOf[c] : 0);
    s_ += "> Tj\nET\n";
  }
  // resolve(run) gives the font's resource name and its character codes.
  template <typename Font>
  void shaped(const ShapedText& t, std::u32string_view logical, float size, float x, float y,
              const Font& font) {
    s_ += "BT\n";
    float pen = x;
    for (const TextRun& run : t.runs) {
      const float runSize = size * run.scale;
      const auto& [name, code, advanceOf, carrierCode] = font(run);
      s_ += '/';
      s_ += name;
      s_ += ' ';
      numbers({runSize}, "Tf");
      if (!run.face) {
        numbers({1, 0, 0, 1, pen, y}, "Tm");
        s_ += '<';
        for (char32_t c : run.codePoints) appendHex4(s_, code(nullptr, c));
        s_ += "> Tj\n";
        pen += run.width * size / 1000.0f;
        continue;
      }
      // A left-to-right script run (Indic reordering, CJK) carries its text as typed in
      // /ActualText. A right-to-left run does not: pdftotext orders a line's characters itself
      // (by position and direction), and would read a span's text backwards; it extracts
      // through ToUnicode per cluster (Nastaliq: through its invisible carriers).
      const bool actual = !run.rtl;
      if (actual) beginActualText(logical.substr(run.from, run.to - run.from));
      const float runStart = pen;
      bool open = false;  // a TJ array whose pen follows the glyphs' advances
      auto close = [&] {
        if (open) s_ += "] TJ\n";
        open = false;
      };
      for (std::size_t g = 0; g < run.glyphs.size(); ++g) {
        const PlacedGlyph& pg = run.glyphs[g];
        const bool offset = pg.dx != 0 || pg.dy != 0;
        if (offset || !open) {
          close();
          numbers({1, 0, 0, 1, pen + pg.dx * runSize / 1000.0f, y + pg.dy * runSize / 1000.0f},
                  "Tm");
          s_ += '[';
          open = true;
        }
        s_ += '<';
        appendHex4(s_, code(&pg, 0));
        s_ += '>';
        // TJ moves by the font's width for the code; the shaped advance may differ.
        const float adjust = static_cast<float>(advanceOf(pg.glyph)) - pg.advance;
        if (offset) {
          close();
        } else if (adjust != 0) {
          s_ += ' ';
          appendNumber(s_, adjust);
          s_ += ' ';
        }
        pen += pg.advance * runSize / 1000.0f;
      }
      close();
      if (actual) s_ += "EMC\n";
      if (!run.carriers.empty()) {
        s_ += "3 Tr\n";
        for (const Carrier& c : run.carriers) {
          numbers({1, 0, 0, 1, runStart + c.x * runSize / 1000.0f, y}, "Tm");
          s_ += '<';
          appendHex4(s_, carrierCode(c));
          s_ += "> Tj\n";
        }
        s_ += "0 Tr\n";
      }
    }
    s_ += "ET\n";
  }

  void beginActualText(std::u32string_view text) {
    s_ += "/Span <</ActualText <FEFF";
    for (char32_t c : text) appendUtf16(c);
    s_ += ">>> BDC\n";
  }

  void appendUtf16(char32_t c) {
    if (c >= 0x10000) {
      appendHex4(s_, 0xD800 + ((c - 0x10000) >> 10));
      appendHex4(s_, 0xDC00 + ((c - 0x10000) & 0x3FF));
    } else {
      appendHex4(s_, c);
    }
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

class PageWriter {
 public:
  PageWriter(Doc& doc, const Layout& layout, const CidFont& regular, const CidFont& bold,
             const ScriptFonts& scriptFonts)
      : doc_(doc),
        regular_(regular),
        bold_(bold),
        scriptFonts_(scriptFonts),
        content_(layout.pageCount()) {
    for (std::size_t i = 0; i < layout.pageCount(); ++i) {
      HPDF_Page p = HPDF_AddPage(doc.get());
      doc.check("adding a page");
      HPDF_Page_SetSize(p, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
      pages_.push_back(p);
    }
    doc.check("adding the pages");
  }

  void draw(const Op& o) {
    PageContent& c = content_.at(o.page);
    switch (o.kind) {
      case Op::kText:
        c.fill(o.colour);
        if (o.shaped) {
          shaped(o);
        } else {
          text(o.page, o.style.bold, o.style.size, o.x, o.y, o.text);
        }
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
      case Op::kImage:
        image(o);
        break;
    }
  }

  void finish() {
    for (std::size_t i = 0; i < pages_.size(); ++i) {
      auto* attr = static_cast<HPDF_PageAttr>(pages_[i]->attr);
      const std::string z = deflate(content_[i].str());
      checkStatus(HPDF_Stream_Write(attr->stream, reinterpret_cast<const HPDF_BYTE*>(z.data()),
                                    static_cast<HPDF_UINT>(z.size())),
                  "writing a page");
      attr->contents->write_fn = writeFlateFilter;
    }
    doc_.check("drawing the pages");
  }

 private:
  void text(std::size_t page, bool isBold, float size, float x, float y,
            std::u32string_view codePoints) {
    const CidFont& f = isBold ? bold_ : regular_;
    const char* name = checked(HPDF_Page_GetLocalFontName(pages_[page], f.dict), "naming a font");
    content_[page].text(name, f, size, x, y, codePoints);
  }

  struct RunFont {
    const char* name;
    std::function<std::uint16_t(const PlacedGlyph*, char32_t)> code;  // glyph or code point → code
    std::function<int(std::uint32_t)> advance;  // glyph → the font's width for it
    std::function<std::uint16_t(const Carrier&)> carrier;
  };

  void shaped(const Op& o) {
    HPDF_Page page = pages_[o.page];
    const CidFont& plain = o.style.bold ? bold_ : regular_;
    content_[o.page].shaped(*o.shaped, o.text, o.style.size, o.x, o.y, [&](const TextRun& run) {
      if (!run.face) {
        return RunFont{checked(HPDF_Page_GetLocalFontName(page, plain.dict), "naming a font"),
                       [&plain](const PlacedGlyph*, char32_t c) -> std::uint16_t {
                         return c < plain.cidOf.size() ? plain.cidOf[c] : 0;
                       },
                       [](std::uint32_t) { return 0; },
                       [](const Carrier&) -> std::uint16_t { return 0; }};
      }
      const ScriptFont& f = scriptFonts_.at(run.face);
      const FontFace* face = run.face;
      return RunFont{checked(HPDF_Page_GetLocalFontName(page, f.dict), "naming a font"),
                     [&f](const PlacedGlyph* g, char32_t) -> std::uint16_t {
                       return f.code(GlyphKey(g->glyph, g->text, -1));
                     },
                     [face](std::uint32_t g) { return face->glyphAdvance(g); },
                     [&f, face](const Carrier& c) { return f.code(carrierKey(*face, c)); }};
    });
  }

  // A PNG loaded once per document; a corrupt one is shown as a note instead.
  void image(const Op& o) {
    auto it = images_.find(o.png);
    if (it == images_.end()) {
      doc_.check("before loading an image");
      HPDF_Image img =
          HPDF_LoadPngImageFromMem(doc_.get(), reinterpret_cast<const HPDF_BYTE*>(o.png->data()),
                                   static_cast<HPDF_UINT>(o.png->size()));
      if (doc_.failedAndReset()) img = nullptr;
      it = images_.emplace(o.png, img).first;
    }
    PageContent& c = content_.at(o.page);
    if (!it->second) {
      c.fill(kFaint);
      text(o.page, false, 7.5f, o.x, o.y + o.h / 2, kImageNote);
      return;
    }
    const char* name =
        checked(HPDF_Page_GetXObjectName(pages_[o.page], it->second), "naming an image");
    c.raw("q\n");
    c.numbers({o.w, 0, 0, o.h, o.x, o.y}, "cm");
    c.raw(std::string("/") + name + " Do\nQ\n");
  }

  Doc& doc_;
  const CidFont &regular_, &bold_;
  const ScriptFonts& scriptFonts_;
  std::vector<HPDF_Page> pages_;
  std::vector<PageContent> content_;
  std::map<const std::string*, HPDF_Image> images_;
};

}  // namespace

std::vector<char32_t> usedCodePoints(const Layout& layout, bool bold) {
  std::vector<bool> seen(0x10000, false);
  std::vector<char32_t> out;
  auto add = [&](char32_t c) {
    if (c < seen.size() && !seen[c]) {
      seen[c] = true;
      out.push_back(c);
    }
  };
  for (char32_t c : kImageNote) add(c);
  for (const Op& o : layout.ops()) {
    if (o.kind != Op::kText || o.style.bold != bold) continue;
    if (!o.shaped) {
      for (char32_t c : o.text) add(c);
      continue;
    }
    for (const TextRun& run : o.shaped->runs) {
      if (!run.face) {
        for (char32_t c : run.codePoints) add(c);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<const FontFace*, std::vector<CidGlyph>>> usedScriptGlyphs(
    const Layout& layout) {
  // glyf faces: one code per glyph and text (a glyph is a cluster's first in one word, a
  // cluster's second in another) and per carrier text and width; CFF faces: one code per glyph,
  // its CID.
  std::map<const FontFace*, std::map<GlyphKey, bool>> used;
  std::vector<const FontFace*> order;
  for (const Op& o : layout.ops()) {
    if (o.kind != Op::kText || !o.shaped) continue;
    for (const TextRun& run : o.shaped->runs) {
      if (!run.face) continue;
      if (!used.contains(run.face)) order.push_back(run.face);
      auto& glyphs = used[run.face];
      for (const PlacedGlyph& g : run.glyphs) glyphs.emplace(GlyphKey(g.glyph, g.text, -1), true);
      for (const Carrier& c : run.carriers) glyphs.emplace(carrierKey(*run.face, c), true);
    }
  }
  std::vector<std::pair<const FontFace*, std::vector<CidGlyph>>> out;
  for (const FontFace* face : order) {
    const auto& glyphs = used[face];
    out.emplace_back(face, std::vector<CidGlyph>{});
    auto& list = out.back().second;
    for (auto& [key, unused] : glyphs) {
      const auto& [glyph, text, width] = key;
      if (face->isCff() && !list.empty() && list.back().glyph == glyph) {
        if (list.back().text.empty()) list.back().text = text;
        continue;
      }
      list.push_back({glyph, width >= 0 ? width : face->glyphAdvance(glyph), text, width >= 0});
    }
  }
  return out;
}

void writePages(Doc& doc, const Layout& layout, const CidFont& regular, const CidFont& bold,
                const ScriptFonts& scriptFonts) {
  PageWriter writer(doc, layout, regular, bold, scriptFonts);
  for (const Op& o : layout.ops()) writer.draw(o);
  writer.finish();
}

}  // namespace sendflow::engine::pdf
