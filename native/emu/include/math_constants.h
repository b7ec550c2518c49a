// Stand-in for CUDA's header: everything is in saestitch_emu.h (force-included).
#pragma once
#include "saestitch_emu.h"
