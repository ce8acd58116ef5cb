// Parsing definition files and the registry of every document type the server knows.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sendflow/engine/core/language.h"
#include "sendflow/engine/definitions/definition_error.h"
#include "sendflow/engine/definitions/definition_source.h"
#include "sendflow/engine/definitions/form_definition.h"
#include "sendflow/engine/definitions/workflow_definition.h"

namespace sendflow::engine {

// Parse and validate one definition. Throw DefinitionError naming sourceName and the JSON path.
// parseWorkflow checks field references (guards, review anchor, deadlines) against `form` when
// given, and that form.type == workflow.form. `languages`: the languages the server offers, the
// only ones the definition's words ("translations") may be in; nullptr for a plan's stored
// snapshot (then any well-formed language tag: a language withdrawn since must not make a plan
// unreadable).
FormDefinition parseForm(const std::string& json, const std::string& sourceName,
                         const LanguageList* languages = nullptr);
WorkflowDefinition parseWorkflow(const std::string& json, const std::string& sourceName,
                                 const FormDefinition* form = nullptr,
                                 const LanguageList* languages = nullptr);

// Every form and workflow definition of a source. Thread-safe to read (a deferred one too). A
// form's key and a workflow's key must equal their "type"; a workflow's form must be in the
// source.
class DefinitionRegistry {
 public:
  // Throws DefinitionError for any bad file (or whatever the source throws), among them a file
  // whose words are in a language `languages` does not offer (the server's list: web reads it
  // from translations/LANGUAGES).
  static DefinitionRegistry load(const DefinitionSource& source, const LanguageList& languages);
  // A registry that reads nothing until it is first asked (a lookup, types() or check()): then
  // `read` runs once (usually load() over the configured folders), so every definition is parsed
  // and validated before any is handed out. A command that never asks (`sendflow render` reads a
  // plan's own pinned snapshot) never reads the folders. When `read` throws, that lookup throws
  // it, and the next one reads again.
  static DefinitionRegistry deferred(std::function<DefinitionRegistry()> read);

  // Reads a deferred registry now (no-op otherwise), throwing what load() throws: a server calls
  // it at start so that a broken definition stops start-up, named, not its first request.
  void check() const { loaded(); }

  const WorkflowDefinition* workflow(std::string_view type) const;  // nullptr when unknown
  const FormDefinition* form(std::string_view type) const;          // by form type
  const FormDefinition* formFor(const WorkflowDefinition& wf) const;
  std::vector<std::string> types() const;  // workflow types, sorted

 private:
  struct Deferred {
    std::function<DefinitionRegistry()> read;
    std::once_flag once;
    std::unique_ptr<const DefinitionRegistry> value;
  };
  // This registry, or for a deferred one the registry read on first use.
  const DefinitionRegistry& loaded() const;

  std::map<std::string, std::shared_ptr<const FormDefinition>, std::less<>> forms_;
  std::map<std::string, std::shared_ptr<const WorkflowDefinition>, std::less<>> workflows_;
  std::shared_ptr<Deferred> deferred_;  // null: loaded already
};

}  // namespace sendflow::engine
