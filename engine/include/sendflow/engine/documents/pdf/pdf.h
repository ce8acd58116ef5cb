// Form-agnostic PDF rendering: the document model and the renderer.
#pragma once

#include "sendflow/engine/documents/pdf/model.h"
#include "sendflow/engine/documents/pdf/renderer.h"
