package io.runstream.worker.tools;

import java.util.List;

/** Server tools that come and go (an MCP server's): asked each time a run builds its tool list. */
public interface ToolSource {

  /** The tools available now. */
  List<ServerTool> tools();
}
