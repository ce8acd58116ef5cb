#include "page_content.h"

#include <hpdf_doc.h>
#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>

#include <algorithm>
#include <map>
#include <optional>

#include "text_filter.h"

namespace sendflow::engine::pdf {
namespace {

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
  PageWriter(Doc& doc, const Layout& layout, const CidFont& regular, const CidFont& bold)
      : doc_(doc), regular_(regular), bold_(bold), content_(layout.pageCount()) {
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
    for (char32_t c : o.text) add(c);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void writePages(Doc& doc, const Layout& layout, const CidFont& regular, const CidFont& bold) {
  PageWriter writer(doc, layout, regular, bold);
  for (const Op& o : layout.ops()) writer.draw(o);
  writer.finish();
}

}  // namespace sendflow::engine::pdf
