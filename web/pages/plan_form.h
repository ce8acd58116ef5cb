// The plan editor: view data generated from a form definition, and field values read back from
// a plain HTML form post (no JavaScript needed).
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTMLForm.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pages/views.h"
#include "sendflow/engine/core/language.h"
#include "sendflow/engine/plans/plans.h"

namespace sendflow::web {

// Form input names: "f.<field>", multi-choice repeated; table cells "f.<table>.<row>.<column>",
// "f.<table>.<row>._remove" to drop a row, "rows.<table>" the number of rows posted.
Poco::JSON::Object::Ptr valuesFromPost(const engine::FormDefinition& form,
                                       const Poco::Net::HTMLForm& post,
                                       const Poco::JSON::Object& current);

// The version a plain form post was based on ("base_version"); nullopt when missing or not a
// number.
std::optional<int> baseVersionFromPost(const Poco::Net::HTMLForm& post);

class Translations;

struct EditorInput {
  const engine::PlanView* view;
  const Poco::JSON::Object* values;           // what to show (stored, or the user's own)
  std::map<std::string, std::string> errors;  // field path -> message
  std::vector<std::pair<std::string, std::string>> people;  // person options
  bool editable = false;
  const std::set<std::string>* sections =
      nullptr;  // only these section ids (a contributor's); null: all
  const std::vector<engine::FieldError>* warnings = nullptr;  // shown beside their fields
  // The language a contributor reads the form's words in (a tag of translations/LANGUAGES):
  // section titles, labels, help and option labels come from the definition's "translations",
  // English where it has none (the section's "in_english" is then set, for a note).
  std::string language{engine::kEnglish};
  // The catalogues for the page's own words about the form (conditions' hints); null: English.
  const Translations* translations = nullptr;
  // Messages of `errors` shown in English on a page in another language (marked lang="en-GB").
  std::set<std::string> errorsInEnglish{};
};

// A transition's reason code as a label: "stakeholder_request" -> "Stakeholder request".
std::string reasonLabel(const std::string& code);

// The list of sections (with their fields) for templates/_sections.mustache.
Data editorSections(const EditorInput& in);

// The editor's sections as HTML: templates/_sections.mustache rendered alone (in the page's
// language) with editorSections(in), for a page to show with {{{sections_html}}} (every answer,
// label and name in it went through {{escaped}} tags). When `in` shows a stored version's own
// answers, the text is rendered once for each distinct input and reused (Views::rendered): the
// key holds everything editorSections reads (the pinned form, the version's answers as stored,
// who may edit, the people, errors, warnings, sections and language), so a new version, a change
// of state or rights, a renamed person or another language renders anew.
std::string editorHtml(const Views& views, const EditorInput& in, std::string_view pageLanguage);

// "hazards[2].rating" -> "f-hazards-2-rating": the id of the input showing that value.
std::string anchorFor(const std::string& fieldPath);
// Where an error about `fieldPath` links to: its input (a group's first checkbox or radio); for
// a table ("hazards") or one of its rows ("hazards[2]"), that row's first input (row 1 for the
// table, which the editor always shows).
std::string errorAnchor(const engine::FormDefinition& form, const std::string& fieldPath);

}  // namespace sendflow::web
