"""Turns off the usage telemetry OpenVINO and NNCF send (to Google Analytics) unless the user opted out.

`import openvino` alone sends an event, through its model converter; both it and NNCF stay quiet
when CI=true, their only switch that needs no consent file in the user's home. Imported, for its
effect, before openvino or nncf by the worker and the IR builder.
"""

import os

os.environ["CI"] = "true"
