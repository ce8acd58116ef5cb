// Command families beyond the core ones in cli.cpp: each adds its commands (options, usage and
// what they run) to the table cli.cpp dispatches on. Logging is configured before a command runs.
#pragma once

#include <Poco/Logger.h>
#include <Poco/Util/LayeredConfiguration.h>

#include <memory>
#include <vector>

#include "app/cli_context.h"
#include "app/config.h"
#include "cli/command_line.h"
#include "sendflow/engine/core/clock.h"

namespace sendflow::web {

void addDocumentCommands(std::vector<Command>& commands);  // render, verify
void addMailCommands(std::vector<Command>& commands);      // mail …, reminders run
void addAuditCommands(std::vector<Command>& commands);     // audit verify
void addDataCommands(std::vector<Command>& commands);      // backup, restore, check
void addRecordsCommands(std::vector<Command>& commands);   // export, audit reads

}  // namespace sendflow::web
