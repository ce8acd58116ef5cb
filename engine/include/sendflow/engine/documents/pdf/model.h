// The neutral document model the PDF renderer lays out: sections of labelled items, deadlines,
// signatures and an optional audit certificate. Mapping a plan + its form definition onto
// PdfDocument happens in documents/plan_document; nothing here knows a plan type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sendflow/engine/core/clock.h"

namespace sendflow::engine {

// Document model. Every std::string is UTF-8 text from users or definitions; the renderer never
// drops a character silently (see RenderedPdf::placeholderFields). An empty std::optional is an
// empty optional value and prints as "—".

struct PdfColour {
  std::uint8_t r = 0, g = 0, b = 0;
};

// A short value beside its label ("Preferred name: Zoë").
struct PdfText {
  std::optional<std::string> value;
};

// Free text under its label, wrapped at word boundaries, paragraphs ("\n") kept, flowing across
// pages.
struct PdfLongText {
  std::optional<std::string> text;
};

struct PdfYesNo {
  std::optional<bool> value;
};

// Single or multiple choice. With `options` every option is listed and the chosen ones are
// marked (box + bold); without, only the chosen values are listed.
struct PdfChoice {
  std::vector<std::string> options;
  std::vector<std::string> chosen;
  bool multiple = false;
};

struct PdfTableColumn {
  std::string header;
  float weight = 1;  // relative width
};

// A repeating table: the column headers repeat on every page, rows are not cut unless a single
// row is taller than a whole page (then it continues on the next page, marked as such).
struct PdfTable {
  std::vector<PdfTableColumn> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // each row: one cell per column
  std::string emptyText = "No entries";
};

// A computed rating: the band is shown by name and score, the colour is a second signal only.
struct PdfRating {
  std::optional<std::string> score;  // "12", "12 / 25"; empty when not computable yet
  std::string band;                  // "High"
  PdfColour colour;
};

using PdfItemContent = std::variant<PdfText, PdfLongText, PdfYesNo, PdfChoice, PdfTable, PdfRating>;

struct PdfItem {
  std::string id;     // field id; reported in RenderedPdf::placeholderFields
  std::string label;  // may be empty for an unlabelled long text or table
  PdfItemContent content;
  std::string help;  // optional help/notes line under the item
};

struct PdfSection {
  std::string title;
  std::string intro;  // optional line under the heading
  std::vector<PdfItem> items;
};

struct PdfDeadline {
  std::string name;
  std::optional<Date> due;
  std::string status;  // "Done", "Due", "Overdue", …
};

// One signer (or an unfilled signer slot). Without signedAt: "Not signed yet" beside a named
// signer, lines to sign on for a slot nobody was named for.
struct PdfSignature {
  std::string role;  // "Parent / carer"
  std::optional<std::string> name;
  std::optional<TimePoint> signedAt;
  std::optional<std::string> method;  // "Typed", "Drawn", "Declined: …"
  std::string drawnPng;               // optional PNG bytes of a drawn signature
};

struct PdfLabelValue {
  std::string label;
  std::optional<std::string> value;
};

// An optional final page (the e-signature issue's audit certificate).
struct PdfAuditCertificate {
  std::string title = "Audit certificate";
  std::string intro;
  std::vector<PdfLabelValue> rows;
  std::optional<PdfTable> table;
  std::string tableTitle;
};

struct PdfHeader {
  std::string academyName;
  std::string logoPng;  // optional PNG bytes; an unreadable image prints a visible note instead
  std::string title;    // "Personal Emergency Evacuation Plan"
  std::string pupilName;
  std::optional<Date> dateOfBirth;
  std::string yearGroup;
  std::string planState;  // "Draft", "Active", …
  int version = 1;
  TimePoint versionDate{};
  std::string contentHash;  // full hex; the footer shows the first 12 characters
  std::string confidentiality = "OFFICIAL-SENSITIVE — contains personal information about a child";
};

struct PdfDocument {
  PdfHeader header;
  std::string subject;  // metadata subject; defaults to "<title> for <pupil>"
  std::vector<PdfSection> sections;
  std::optional<Date> reviewDate;
  std::vector<PdfDeadline> deadlines;  // EHCP annual review; section omitted when empty
  std::vector<PdfSignature> signatures;
  std::string signaturesNote;  // optional line under the Signatures heading
  std::optional<PdfAuditCertificate> auditCertificate;
};

struct RenderedPdf {
  std::string bytes;
  // Ids of fields (or "header.<name>", "signature.<n>", "audit.<n>") where characters the font
  // cannot show were replaced by a visible placeholder. Sorted, unique.
  std::vector<std::string> placeholderFields;
  int pages = 0;
};

}  // namespace sendflow::engine
