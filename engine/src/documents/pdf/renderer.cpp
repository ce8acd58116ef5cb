// PdfRenderer: lays the document out, embeds per-document font subsets, writes the pages and the
// metadata. See painter.h (layout of the model), cid_font.h (fonts), page_content.h (pages).
#include "sendflow/engine/documents/pdf/renderer.h"

#include <hpdf_doc.h>

#include "cid_font.h"
#include "haru.h"
#include "layout.h"
#include "page_content.h"
#include "painter.h"

namespace sendflow::engine {

struct PdfRenderer::Impl {
  explicit Impl(std::shared_ptr<const PdfFontSource> src)
      : source(std::move(src)),
        fonts(source->fontBytes(PdfFontRole::kRegular), source->fontBytes(PdfFontRole::kBold),
              source.get()) {}
  std::shared_ptr<const PdfFontSource> source;  // script faces are loaded on first use
  pdf::FontSet fonts;
};

namespace {

// Metadata: only characters the fonts show (placeholders otherwise), as everywhere else.
void writeMetadata(pdf::Doc& doc, pdf::Layout& layout, const PdfDocument& d) {
  HPDF_Doc h = doc.get();
  const PdfHeader& hd = d.header;
  std::string title = layout.clean(hd.title, "header.title");
  std::string pupil = layout.clean(hd.pupilName, "header.pupilName");
  std::string subject =
      d.subject.empty() ? title + " for " + pupil : layout.clean(d.subject, "subject");
  HPDF_SetInfoAttr(h, HPDF_INFO_CREATOR, "sendflow");  // also creates the Info dictionary
  doc.check("writing the metadata");
  pdf::setInfoText(h, "Title", title + " — " + pupil);
  pdf::setInfoText(h, "Author", layout.clean(hd.academyName, "header.academyName"));
  pdf::setInfoText(h, "Subject", subject);
  HPDF_SetInfoDateAttr(h, HPDF_INFO_CREATION_DATE, pdf::pdfDate(hd.versionDate));
  HPDF_SetInfoDateAttr(h, HPDF_INFO_MOD_DATE, pdf::pdfDate(hd.versionDate));
  doc.check("writing the metadata");
}

}  // namespace

PdfRenderer::PdfRenderer(const PdfFontSource& fonts)
    : PdfRenderer(std::shared_ptr<const PdfFontSource>(&fonts, [](const PdfFontSource*) {})) {}

PdfRenderer::PdfRenderer(std::shared_ptr<const PdfFontSource> fonts)
    : impl_(std::make_unique<Impl>(std::move(fonts))) {
  for (char32_t required : std::u32string(U"[]—…☑☐• 0123456789-")) {
    if (!impl_->fonts.plainShown(required))
      throw InfraError("PDF font lacks a glyph the layout needs");
  }
}

PdfRenderer::~PdfRenderer() = default;

RenderedPdf PdfRenderer::render(const PdfDocument& d) const {
  pdf::Layout layout(impl_->fonts);
  pdf::Painter(layout, d).paint();

  pdf::Doc doc;
  HPDF_Doc h = doc.get();
  // Page content is deflated by writePages(); libharu compresses images and metadata.
  HPDF_SetCompressionMode(h, HPDF_COMP_IMAGE | HPDF_COMP_METADATA);
  doc.check("setting up the document");
  pdf::CidFont regular =
      pdf::embedFont(h, impl_->fonts.regular, pdf::usedCodePoints(layout, false));
  pdf::CidFont bold = pdf::embedFont(h, impl_->fonts.bold, pdf::usedCodePoints(layout, true));
  pdf::ScriptFonts scriptFonts;
  for (const auto& [face, glyphs] : pdf::usedScriptGlyphs(layout))
    scriptFonts.emplace(face, pdf::embedScriptFont(h, *face, glyphs));
  pdf::writePages(doc, layout, regular, bold, scriptFonts);
  writeMetadata(doc, layout, d);

  RenderedPdf out;
  out.bytes = doc.save();
  out.pages = static_cast<int>(layout.pageCount());
  out.placeholderFields.assign(layout.placeholderFields().begin(),
                               layout.placeholderFields().end());
  return out;
}

}  // namespace sendflow::engine
