// The definitions source of a server: forms/<type>/form.json and workflows/<type>.json under
// two folders (engine/definitions/definition_source.h is the port).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sendflow/engine/definitions/definitions.h"

namespace sendflow::web {

class DefinitionFolders final : public engine::DefinitionSource {
 public:
  // Throws DefinitionError when either is not a readable directory.
  DefinitionFolders(std::string formsDir, std::string workflowsDir);

  // Each sub-folder of formsDir (hidden ones aside) must hold a form.json; every *.json file
  // of workflowsDir is a workflow. Throw DefinitionError naming the folder or file.
  std::vector<engine::DefinitionText> forms() const override;
  std::vector<engine::DefinitionText> workflows() const override;
  std::string formLocation(std::string_view type) const override;

 private:
  std::string formsDir_;
  std::string workflowsDir_;
};

// The registry of the document types in these two folders, whose words may be in `languages`
// only: the server's list (translations/LANGUAGES; i18n/language_list.h offeredLanguages() reads
// it for a tool or a test).
engine::DefinitionRegistry loadDefinitionFolders(const std::string& formsDir,
                                                 const std::string& workflowsDir,
                                                 const engine::LanguageList& languages);

}  // namespace sendflow::web
