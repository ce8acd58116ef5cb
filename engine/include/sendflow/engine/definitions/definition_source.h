// The definitions source: where the registry gets its files. A port, so the engine reads no
// directory itself: the server reads forms/ and workflows/ folders (web/app/definition_folders.h),
// tests hand over text in memory.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sendflow::engine {

// One definition file's text. `key` is what the file is filed under (a form's folder name, a
// workflow's file stem) and must equal the definition's "type"; `name` says where it came
// from in messages ("forms/peep/form.json").
struct DefinitionText {
  std::string key;
  std::string name;
  std::string json;
};

class DefinitionSource {
 public:
  virtual ~DefinitionSource() = default;
  // Every form / workflow definition, sorted by key. Throw DefinitionError when a file cannot
  // be read or the source is unusable (say, a missing folder).
  virtual std::vector<DefinitionText> forms() const = 0;
  virtual std::vector<DefinitionText> workflows() const = 0;
  // Where a form of this type would be, for "unknown form" messages: "forms/peep/form.json".
  virtual std::string formLocation(std::string_view type) const = 0;
};

// Definitions held in memory: for tests and tools that build their own document types.
class MemoryDefinitionSource final : public DefinitionSource {
 public:
  // Adds or replaces the form filed under `key` ("forms/<key>/form.json" in messages).
  MemoryDefinitionSource& addForm(const std::string& key, std::string json);
  // Adds or replaces the workflow filed under `key` ("workflows/<key>.json" in messages).
  MemoryDefinitionSource& addWorkflow(const std::string& key, std::string json);

  std::vector<DefinitionText> forms() const override;
  std::vector<DefinitionText> workflows() const override;
  std::string formLocation(std::string_view type) const override;

 private:
  std::map<std::string, DefinitionText, std::less<>> forms_;
  std::map<std::string, DefinitionText, std::less<>> workflows_;
};

}  // namespace sendflow::engine
