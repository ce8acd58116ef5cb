#include "app/definition_folders.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sendflow::web {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw engine::DefinitionError(p.string(), "$", "cannot read the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void requireDirectory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw engine::DefinitionError(dir, "$", "not a readable directory");
}

}  // namespace

DefinitionFolders::DefinitionFolders(std::string formsDir, std::string workflowsDir)
    : formsDir_(std::move(formsDir)), workflowsDir_(std::move(workflowsDir)) {
  requireDirectory(formsDir_);
  requireDirectory(workflowsDir_);
}

std::vector<engine::DefinitionText> DefinitionFolders::forms() const {
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(formsDir_))
    if (e.is_directory() && e.path().filename().string()[0] != '.') dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  std::vector<engine::DefinitionText> out;
  for (const auto& dir : dirs) {
    fs::path file = dir / "form.json";
    if (!fs::exists(file)) throw engine::DefinitionError(file.string(), "$", "missing form.json");
    out.push_back({dir.filename().string(), file.string(), readFile(file)});
  }
  return out;
}

std::vector<engine::DefinitionText> DefinitionFolders::workflows() const {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(workflowsDir_))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<engine::DefinitionText> out;
  for (const auto& file : files)
    out.push_back({file.stem().string(), file.string(), readFile(file)});
  return out;
}

std::string DefinitionFolders::formLocation(std::string_view type) const {
  return formsDir_ + "/" + std::string(type) + "/form.json";
}

engine::DefinitionRegistry loadDefinitionFolders(const std::string& formsDir,
                                                 const std::string& workflowsDir,
                                                 const engine::LanguageList& languages) {
  return engine::DefinitionRegistry::load(DefinitionFolders(formsDir, workflowsDir), languages);
}

}  // namespace sendflow::web
