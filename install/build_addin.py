#!/usr/bin/env python3
"""Build ``install/xlperf.xlam`` from xlwings' ribbon add-in template.

Usage::

    python install/build_addin.py                 # writes install/xlperf.xlam
    python install/build_addin.py -o /tmp/x.xlam  # somewhere else

The template is ``quickstart_addin_ribbon.xlam`` of the *installed* xlwings
package (the file ``xlwings quickstart NAME --addin --ribbon`` copies).  That
template consists of

* ``customUI/customUI.xml`` - a ribbon tab "MyAddin" with one button whose
  ``onAction`` is ``RibbonMyAddin.RunMain``;
* ``xl/vbaProject.bin`` - the VBA modules ``RibbonMyAddin`` (the callback) and
  ``xlwings`` (a white-labelled copy of the xlwings VBA code: ``RunPython``,
  ``GetConfig``... with ``PROJECT_NAME = "myaddin"``);
* the sheet ``_myaddin.conf`` - an inactive configuration sheet.

``RunMain`` derives the Python module from the add-in's *file name*
(``xlperf.xlam`` would run ``import xlperf; xlperf.main()``), which is why
xlwings' quickstart only renames the file.  Our add-in must be called
``xlperf.xlam`` but run ``xlperf_udfs.main()``, so this script

1. replaces the ribbon XML (tab 绩效自评, buttons 一键校验 / 重新计算 / 关于);
2. replaces the source of the VBA module ``RibbonMyAddin`` with callbacks that
   call ``RunPython "import xlperf_udfs;xlperf_udfs.main()"`` (module name no
   longer taken from the file name).  Only this one small module changes; the
   xlwings VBA code is kept byte for byte.  The compound file is patched in
   place with streams of unchanged size (see ``patch_vba_module``), and the
   project's ``_VBA_PROJECT`` version is 0xFFFF, so Excel compiles the
   project from source when it loads the add-in.  That is already the state
   of the template: xlwings' release build rewrites its ``xlwings`` module
   the same way (source only, no p-code);
3. activates the configuration sheet (``_myaddin.conf`` -> ``myaddin.conf``)
   and fills in ``Interpreter_Win``/``PYTHONPATH``/``UDF Modules`` with
   ``%LOCALAPPDATA%``-relative paths (and adds ``ADD_WORKBOOK_TO_PYTHONPATH`` = False,
   so RunPython never puts the workbook's folder on ``sys.path``) - the xlwings VBA expands environment
   variables (``WScript.Shell.ExpandEnvironmentStrings``), so the add-in works
   for every user name, including non-ASCII ones, without per-user editing -
   and stores the Chinese message texts in column D of that sheet (VBA source
   is code page 1252);
4. sets the title/description shown in Excel's add-in dialog.

The build is deterministic (fixed zip timestamps, fixed member order), and
``tests/test_install.py`` checks that rebuilding reproduces the committed
add-in's ribbon XML and VBA.

Requires ``olefile`` (a dependency of ``oletools``) and ``lxml``.
"""

from __future__ import annotations

import argparse
import bisect
import re
import struct
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "xlperf.xlam"
TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"

# --- names the rest of the project relies on -------------------------------
ADDIN_FILE_NAME = "xlperf.xlam"
UDF_MODULE = "xlperf_udfs"
PYTHON_COMMAND = f"import {UDF_MODULE};{UDF_MODULE}.main()"
INSTALL_ROOT = r"%LOCALAPPDATA%\xlperf"
VENV_DIR = INSTALL_ROOT + r"\venv"
UDF_DIR = INSTALL_ROOT + r"\udfs"
# RunPython runs the interpreter hidden through ``cmd.exe /C`` and waits for
# it; python.exe is the interpreter xlwings itself configures for RunPython.
# (The UDF server, configured in xlwings.conf by install.ps1, uses pythonw.)
RUNPYTHON_INTERPRETER = VENV_DIR + r"\Scripts\python.exe"

VBA_MODULE = "RibbonMyAddin"  # module name fixed by the template (dir stream)
VALIDATE_MACRO = "XlperfValidate"
RECALC_MACRO = "XlperfRecalc"
ABOUT_MACRO = "XlperfAbout"

TAB_LABEL = "绩效自评"
VALIDATE_LABEL = "一键校验"
RECALC_LABEL = "重新计算"
ABOUT_LABEL = "关于"

# Rows of the configuration sheet (keys as in the template's column A; a key the
# template lacks is added below its last key, where GetConfigFromSheet still reads it).
CONFIG_VALUES = {
    "Interpreter_Win": RUNPYTHON_INTERPRETER,
    "PYTHONPATH": UDF_DIR,
    "UDF Modules": UDF_MODULE,
    # xlwings' RunPython prepends the active workbook's folder to sys.path unless this is
    # false (its VBA: GetConfig("ADD_WORKBOOK_TO_PYTHONPATH", "true"), then
    # xlwings.utils.prepare_sys_path). A workbook opened from OneDrive/SharePoint/an OA link
    # then fails before main() runs, and a stray xlperf_udfs.py beside a workbook would
    # shadow the installed one: never add it. Text, not a boolean cell: prepare_sys_path
    # adds the folder only for the exact text "true", whatever the Office language.
    "ADD_WORKBOOK_TO_PYTHONPATH": "False",
}

# UI texts of the VBA callbacks.  VBA source code is stored in code page 1252,
# so Chinese text cannot be written into it; it lives in column D of the
# configuration sheet instead and is read with Msg(row).
MESSAGE_COLUMN = "D"
MSG_NO_WORKBOOK = 1
MSG_ABOUT = 2
MSG_NOT_FOUND = 3
MSG_TITLE = 4
MSG_UNSAFE_SETTING = 5  # shown by the xlwings module's GetConfig (XLWINGS_EDITS)
MESSAGES = {
    MSG_NO_WORKBOOK: "请先打开要校验的工作簿（如处于“受保护的视图”，请先点击“启用编辑”）。",
    MSG_ABOUT: "部门整体支出绩效自评工具 xlperf",
    MSG_NOT_FOUND: "未找到，请运行 install.bat 重新安装",
    MSG_TITLE: TAB_LABEL,
    MSG_UNSAFE_SETTING: ("xlperf 的设置中含有命令行会执行的字符（\" % ^ & | < >），为安全起见没有运行。请检查 "
        "%USERPROFILE%\\.xlwings\\xlwings.conf 中的设置；如是 Windows 用户名或临时文件夹路径含有这些字符，"
        "请改用其他 Windows 账户，或联系技术支持。"),
}

# The white-labelled xlwings VBA (module ``xlwings``) reads its settings, in this order, from a sheet
# ``<PROJECT_NAME>.conf`` of the *active* workbook, the add-in's own sheet, a ``<PROJECT_NAME>.conf``
# file beside the active workbook and the user's ``%USERPROFILE%\.<PROJECT_NAME>\<PROJECT_NAME>.conf``.
# A submitted workbook (a plain .xlsx with a very hidden sheet, or a file mailed beside it) could so set
# the interpreter, PYTHONPATH or a value pasted into the ``cmd.exe`` command line. XLWINGS_EDITS remove
# the first and the third lookup, refuse any value cmd.exe could act on, keep the active workbook's
# name and folder off the command line and sys.path, and ignore a ``*.py`` sheet of the active workbook
# (xlwings PRO's embedded code). Each edit is replaced by text of the same length (padded with a comment),
# so only the 4 KiB chunks it touches are re-encoded, to their old compressed size (patch_xlwings_module).
XLWINGS_MODULE = "xlwings"
REFUSED_CHARACTERS = '"%^&|<>'
"""Characters cmd.exe acts on outside quotes (``%`` also inside them): a setting holding one is refused."""

_GETCONFIG_TEMPLATE = """Function GetConfig(configKey As String, Optional default As String = "", Optional source As String = "") As Variant
    ' xlperf (install/build_addin.py): settings come only from this add-in's own sheet and the user's
    ' own config file, never from a sheet or a file that comes with the active workbook; a value
    ' cmd.exe could act on is refused before it reaches a command line.
    Dim configValue As String, v As String
    v = default
    #If App = "Microsoft Excel" Then
    If (source = "" Or source = "sheet") And Application.Name = "Microsoft Excel" Then
        If SheetExists(ThisWorkbook, PROJECT_NAME & ".conf") = True Then
            If GetConfigFromSheet(ThisWorkbook).Exists(configKey) = True Then
                v = GetConfigFromSheet(ThisWorkbook).Item(configKey)
                GoTo Found
            End If
        End If
    End If
    #End If
    If source = "" Or source = "user" Then
        If FileExists(GetConfigFilePath()) = True Then
            If GetConfigFromFile(GetConfigFilePath(), configKey, configValue) Then v = configValue
        End If
    End If
Found:
    v = ExpandEnvironmentStrings(v)
    If v Like "*[""%^&|<>]*" Or InStr(v, vbCr) > 0 Or InStr(v, vbLf) > 0 Then
        MsgBox {message} & vbCrLf & _
            configKey & " = " & v, vbCritical
        End
    End If
    GetConfig = v
End Function
"""
_GETCONFIG = _GETCONFIG_TEMPLATE.replace(
    "{message}", f'ThisWorkbook.Worksheets(PROJECT_NAME & ".conf").Range("{MESSAGE_COLUMN}{MSG_UNSAFE_SETTING}").Value')
"""GetConfig of xlperf.xlam: the Chinese refusal is cell D5 of the add-in's own config sheet."""

CELL_GUARD = """    If TypeName(Application.Caller) = "Range" Then Exit Function ' xlperf: never from a cell
"""
XLWINGS_EDITS: tuple[tuple[str, str], ...] = (
    # RunPython: embedded code (*.py sheets) only of the add-in itself, never of the active workbook
    ("""        If i = 1 Then
            Set wb = ActiveWorkbook
        Else
""", """        If i = 1 Then
            Set wb = ThisWorkbook
        Else
"""),
    # RunPython: never the workbook's folder on sys.path, whatever a setting says
    ("""        AddExcelDir = GetConfig("ADD_WORKBOOK_TO_PYTHONPATH", "true")
    End If
""", """        AddExcelDir = "false" ' xlperf
    End If
"""),
    # RunPython: no workbook names on the cmd.exe command line (unused when AddExcelDir is false)
    ("""    #Else
        ActiveFullName = ActiveWorkbook.FullName
        ThisFullName = ThisWorkbook.FullName
    #End If
""", """    #Else
        ActiveFullName = "" ' xlperf
        ThisFullName = ""
    #End If
"""),
    # XLPyCommand (UDF server): the same
    ("""    ' TODO: Doesn't automatically check if code is embedded
    AddExcelDir = GetConfig("ADD_WORKBOOK_TO_PYTHONPATH", "true")
""", """    AddExcelDir = "false" ' xlperf
"""),
    # the user's own settings file is the one the installer writes, %USERPROFILE%\.xlwings\xlwings.conf
    # (xlwings' default for a custom add-in, .<PROJECT_NAME>\<PROJECT_NAME>.conf, is a file nobody keeps)
    ("""        GetConfigFilePath = Environ("USERPROFILE") & "\\." & PROJECT_NAME & "\\" & PROJECT_NAME & ".conf"
""", """        GetConfigFilePath = Environ("USERPROFILE") & "\\.xlwings\\xlwings.conf" ' xlperf
"""),
    ("""        PYTHONPATH = AddExcelDir & ";" & ActiveWorkbook.FullName & ";" & ThisWorkbook.FullName & ";" & GetConfig("ONEDRIVE_CONSUMER_WIN")""",
     """        PYTHONPATH = AddExcelDir & ";;;" & GetConfig("ONEDRIVE_CONSUMER_WIN")"""),
    # GetUdfModules: no module named after a *.py sheet of the active workbook joins "UDF Modules"
    ("""    ' Automatically add embedded code sheets
    For Each sht In wb.Worksheets
""", """    For Each sht In ThisWorkbook.Worksheets ' xlperf
"""),
    # Public functions of a loaded add-in can be called from any workbook's cells: a submitted .xlsx with
    # =RunPython("...") or =RunFrozenPython("C:\...exe") in a cell would run a program when Excel
    # calculates it. Called from a cell, Application.Caller is a Range (from the ribbon, a macro or a
    # button it is an error value or a name), so these three do nothing when a cell calls them.
    ("""    ' Public API: Runs the Python command, e.g.: to run the function foo() in module bar, call the function like this:
    ' RunPython "import bar; bar.foo()"
""", CELL_GUARD),
    ("""    ' Call a command window and change to the directory of the Python installation or frozen executable
""", CELL_GUARD),
    ("""    ' Runs a Python executable that has been frozen by PyInstaller and the like. Call the function like this:
""", CELL_GUARD),
)
"""(old, new) pairs of the xlwings module's source; GetConfig is replaced as a whole (_GETCONFIG)."""


ADDIN_TITLE = "绩效自评 (xlperf)"
ADDIN_DESCRIPTION = "部门整体支出绩效自评：一键校验当前工作簿（xlwings 加载项）"

ZIP_DATE_TIME = (2024, 1, 1, 0, 0, 0)

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RIBBON_REL_TYPES = {
    "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility",
    "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility",
}


# ---------------------------------------------------------------------------
# Ribbon XML
# ---------------------------------------------------------------------------
def ribbon_xml() -> str:
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">
  <ribbon>
    <tabs>
      <tab id="xlperfTab" label="{TAB_LABEL}">
        <group id="xlperfCheckGroup" label="部门整体支出绩效自评">
          <button id="xlperfValidate" label="{VALIDATE_LABEL}" size="large" imageMso="DataValidation"
                  screentip="{VALIDATE_LABEL}"
                  supertip="校验当前工作簿（数据、公式与评分），结果写入“校验结果”工作表。需要已安装 xlperf（运行 install.bat）。"
                  onAction="{VBA_MODULE}.{VALIDATE_MACRO}"/>
          <button id="xlperfRecalc" label="{RECALC_LABEL}" size="large" imageMso="CalculateNow"
                  screentip="{RECALC_LABEL}"
                  supertip="完全重新计算所有打开的工作簿中的公式（相当于 Ctrl+Alt+F9，不需要 Python）。"
                  onAction="{VBA_MODULE}.{RECALC_MACRO}"/>
        </group>
        <group id="xlperfHelpGroup" label="帮助">
          <button id="xlperfAbout" label="{ABOUT_LABEL}" size="large" imageMso="Help"
                  screentip="{ABOUT_LABEL}"
                  supertip="显示版本说明和 Python 环境的位置，便于排查安装问题。"
                  onAction="{VBA_MODULE}.{ABOUT_MACRO}"/>
        </group>
      </tab>
    </tabs>
  </ribbon>
</customUI>
"""


# ---------------------------------------------------------------------------
# VBA source of the RibbonMyAddin module
# ---------------------------------------------------------------------------
def vba_source() -> str:
    lines = [
        f'Attribute VB_Name = "{VBA_MODULE}"',
        f"' {ADDIN_FILE_NAME} ribbon callbacks, generated by install/build_addin.py (edit",
        "' that script, not this module). RunPython (module xlwings) takes",
        "' Interpreter_Win and PYTHONPATH from this add-in's sheet <PROJECT_NAME>.conf;",
        f"' the Chinese UI texts are in column {MESSAGE_COLUMN} of that sheet.",
        "Option Explicit",
        "",
        "Private Function Msg(ByVal row As Long) As String",
        f'    Msg = ThisWorkbook.Worksheets(PROJECT_NAME & ".conf").Range("{MESSAGE_COLUMN}" & row).Value',
        "End Function",
        "",
        f"Sub {VALIDATE_MACRO}(control As IRibbonControl)",
        "    If ActiveWorkbook Is Nothing Then",
        f"        MsgBox Msg({MSG_NO_WORKBOOK}), vbExclamation, Msg({MSG_TITLE})",
        "        Exit Sub",
        "    End If",
        f'    RunPython "{PYTHON_COMMAND}"',
        "End Sub",
        "",
        f"Sub {RECALC_MACRO}(control As IRibbonControl)",
        "    If ActiveWorkbook Is Nothing Then Exit Sub",
        "    Application.CalculateFull",
        "End Sub",
        "",
        f"Sub {ABOUT_MACRO}(control As IRibbonControl)",
        "    Dim interpreter As String",
        '    interpreter = GetConfig("INTERPRETER_WIN", "")',
        f"    MsgBox Msg({MSG_ABOUT}) & vbCrLf & vbCrLf & _",
        '        "Python: " & interpreter & vbCrLf & "  -> " & _',
        f'        IIf(FileExists(interpreter), "OK", Msg({MSG_NOT_FOUND})) & vbCrLf & _',
        '        "PYTHONPATH: " & GetConfig("PYTHONPATH", "") & vbCrLf & _',
        f'        "Python module: {UDF_MODULE}", vbInformation, Msg({MSG_TITLE})',
        "End Sub",
        "",
    ]
    return "\r\n".join(lines)


# ---------------------------------------------------------------------------
# MS-OVBA compression (MS-OVBA 2.4.1)
# ---------------------------------------------------------------------------
def _bit_count(difference: int) -> int:
    bc = 4
    while (1 << bc) < difference:
        bc += 1
    return bc


def decompress(data: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer."""
    if not data or data[0] != 0x01:
        raise ValueError("not an MS-OVBA compressed container")
    out = bytearray()
    pos = 1
    while pos < len(data):
        (header,) = struct.unpack_from("<H", data, pos)
        chunk_end = min(pos + (header & 0x0FFF) + 3, len(data))
        if (header >> 12) & 0b0111 != 0b011:
            raise ValueError("bad chunk signature")
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:  # raw chunk
            out += data[pos : pos + 4096]
            pos += 4096
            continue
        while pos < chunk_end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not (flags >> bit) & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                (token,) = struct.unpack_from("<H", data, pos)
                pos += 2
                bc = _bit_count(len(out) - chunk_start)
                length = (token & (0xFFFF >> bc)) + 3
                offset = (token >> (16 - bc)) + 1
                if offset > len(out) - chunk_start:
                    raise ValueError("copy token points before the chunk")
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def _common_length(data: bytes, a: int, b: int, limit: int) -> int:
    """Length of the common prefix of ``data[a:]`` and ``data[b:]`` (at least 3 known), at most ``limit``.

    The same answer as a byte loop, faster on the long matches of repeated VBA lines and filler comments:
    one comparison of slices (in C) for a match as long as allowed, a byte loop for the usual short
    ones, then galloping and bisecting over slices."""
    if data[a:a + limit] == data[b:b + limit]:
        return limit
    lo = 3  # data[a:a+lo] == data[b:b+lo]; the prefix is shorter than limit
    while lo < 16:
        if data[a + lo] != data[b + lo]:
            return lo
        lo += 1
    step = 16
    while lo + step < limit and data[a + lo:a + lo + step] == data[b + lo:b + lo + step]:
        lo += step
        step *= 2
    hi = min(lo + step, limit) - 1  # the answer is in [lo, hi]
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if data[a + lo:a + mid] == data[b + lo:b + mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


_MATCHES: dict[bytes, list[tuple[int, int]]] = {}


def _longest_matches(data: bytes) -> list[tuple[int, int]]:
    """(length, offset) of the longest earlier match at each position (the nearest of equal ones).

    Only matches of 3 bytes or more can become copy tokens, so candidates are the earlier positions
    that start with the same 3 bytes (an index instead of a scan of the whole chunk). Remembered per
    chunk: a chunk's tightest size and its encoding both need them."""
    if data in _MATCHES:
        return _MATCHES[data]
    n = len(data)
    result = [(0, 0)]
    starts: dict[bytes, list[int]] = {}
    if n >= 3:
        starts.setdefault(data[0:3], []).append(0)
    for pos in range(1, n):
        limit = min((0xFFFF >> _bit_count(pos)) + 3, n - pos)
        best_len = best_off = 0
        for cand in reversed(starts.get(data[pos:pos + 3], ())):
            length = _common_length(data, cand, pos, limit)
            if length > best_len:
                best_len, best_off = length, pos - cand
                if length == limit:
                    break
        result.append((best_len, best_off))
        if pos + 3 <= n:
            starts.setdefault(data[pos:pos + 3], []).append(pos)
    if len(_MATCHES) >= 64:
        _MATCHES.clear()
    _MATCHES[data] = result
    return result


def _reachable(data: bytes, matches):
    """reach[m][p]: bitmask of byte counts (tokens + flag bytes) with which the
    first p bytes can be encoded using a number of tokens == m (mod 8)."""
    n = len(data)
    reach = [[0] * (n + 1) for _ in range(8)]
    reach[0][0] = 1
    for p in range(n):
        longest = matches[p][0]
        for m in range(8):
            mask = reach[m][p]
            if not mask:
                continue
            flag_byte = 1 if m == 0 else 0
            row = reach[(m + 1) % 8]
            row[p + 1] |= mask << (1 + flag_byte)
            shifted = mask << (2 + flag_byte)
            for t in range(p + 3, p + longest + 1):
                row[t] |= shifted
    return reach


def max_compressed_size(n: int) -> int:
    """Size of the all-literal (largest) single-chunk encoding of n bytes."""
    return 3 + n + (n + 7) // 8


def compress_exact(data: bytes, size: int) -> bytes | None:
    """Encode ``data`` (at most 4096 bytes, i.e. one chunk) as an MS-OVBA
    CompressedContainer of exactly ``size`` bytes, or return None.

    Any mix of literal and copy tokens is a valid encoding; choosing the mix
    lets the new stream keep the original stream's size, so the compound file
    can be patched in place."""
    n = len(data)
    if not 0 < n <= 4096:
        raise ValueError("compress_exact handles 1..4096 bytes")
    need = size - 3  # signature byte + chunk header
    if need < 0 or need > 4096:  # one compressed chunk: header + at most 4096 bytes
        return None
    matches = _longest_matches(data)
    reach = _reachable(data, matches)
    ends = [m for m in range(8) if (reach[m][n] >> need) & 1]
    if not ends:
        return None
    tokens: list[tuple[int, int, int]] = []  # (pos, length, offset); length 0 = literal
    p, m, b = n, ends[0], need
    # Copies that can end at p start at q with q + matches[q][0] >= p: as p only decreases, that set only
    # grows (by_end adds them), kept sorted so the longest copy (smallest q) is tried first.
    by_end: dict[int, list[int]] = {}
    for q, (length, _off) in enumerate(matches):
        if length >= 3:
            by_end.setdefault(q + length, []).append(q)
    starts: list[int] = []
    added_down_to = n + 1
    while p > 0:
        for end in range(p, added_down_to):
            for q in by_end.get(end, ()):
                bisect.insort(starts, q)
        added_down_to = p
        pm = (m - 1) % 8
        flag_byte = 1 if pm == 0 else 0
        cost = 2 + flag_byte
        copy = next((q for q in (starts if b >= cost else ()) if p - q < 3 or (reach[pm][q] >> (b - cost)) & 1),
                    p)  # the longest copy that fits, if any (starts ascending: copies shorter than 3 end it)
        if p - copy >= 3:
            tokens.append((copy, p - copy, matches[copy][1]))
            p, m, b = copy, pm, b - cost
        else:
            cost = 1 + flag_byte
            q = p - 1
            if not (reach[pm][q] >> (b - cost)) & 1:  # pragma: no cover
                raise AssertionError("inconsistent reachability table")
            tokens.append((q, 0, 0))
            p, m, b = q, pm, b - cost
    tokens.reverse()
    body = bytearray()
    for i in range(0, len(tokens), 8):
        flags = 0
        group = bytearray()
        for j, (q, k, off) in enumerate(tokens[i : i + 8]):
            if k == 0:
                group.append(data[q])
            else:
                bc = _bit_count(q)
                group += struct.pack("<H", ((off - 1) << (16 - bc)) | (k - 3))
                flags |= 1 << j
        body.append(flags)
        body += group
    header = ((len(body) + 2 - 3) & 0x0FFF) | (0b011 << 12) | 0x8000
    result = b"\x01" + struct.pack("<H", header) + bytes(body)
    if len(result) != size or decompress(result) != data:  # pragma: no cover
        raise AssertionError("MS-OVBA encoder self-check failed")
    return result


# ---------------------------------------------------------------------------
# vbaProject.bin
# ---------------------------------------------------------------------------
def _dir_modules(dir_data: bytes) -> list[dict]:
    """Module records of a decompressed ``VBA/dir`` stream (MS-OVBA 2.3.4.2.3):
    name, stream name, MODULEOFFSET and the position of its value."""
    m = re.search(rb"\x0f\x00\x02\x00\x00\x00(..)\x13\x00\x02\x00\x00\x00..", dir_data, re.S)
    if not m:
        raise ValueError("PROJECTMODULES record not found in the VBA dir stream")
    (count,) = struct.unpack("<H", m.group(1))
    pos = m.end()
    modules: list[dict] = []
    current: dict = {}
    # Every record of the module list has the shape Id(2) Size(4) Data(Size);
    # the "Reserved" parts of MODULESTREAMNAME/MODULEDOCSTRING have it, too.
    while pos + 6 <= len(dir_data):
        rec_id, size = struct.unpack_from("<HI", dir_data, pos)
        data = dir_data[pos + 6 : pos + 6 + size]
        if rec_id == 0x0010:  # dir terminator
            break
        if rec_id == 0x0019:  # MODULENAME
            current = {"name": data.decode("latin-1")}
        elif rec_id == 0x001A:  # MODULESTREAMNAME
            current["stream"] = data.decode("latin-1")
        elif rec_id == 0x0031:  # MODULEOFFSET
            current["offset_pos"] = pos + 6
            (current["offset"],) = struct.unpack("<I", data)
        elif rec_id == 0x002B:  # module terminator
            modules.append(current)
            current = {}
        pos += 6 + size
    if len(modules) != count or not all({"name", "stream", "offset"} <= set(x) for x in modules):
        raise ValueError("could not parse the module records of the VBA dir stream")
    return modules


def _module_record(dir_data: bytes, module: str) -> tuple[str, int, int]:
    """(stream name, position of the MODULEOFFSET value, offset) of ``module``."""
    for rec in _dir_modules(dir_data):
        if rec["name"] == module:
            return rec["stream"], rec["offset_pos"], rec["offset"]
    raise ValueError(f"VBA module {module!r} not found in the dir stream")


def _code_page(dir_data: bytes) -> str:
    m = re.search(rb"\x03\x00\x02\x00\x00\x00(..)", dir_data, re.S)  # PROJECTCODEPAGE
    return f"cp{struct.unpack('<H', m.group(1))[0]}" if m else "cp1252"


def _filler(total: int) -> bytes:
    """``total`` bytes of VBA comment lines ("'----...") of at most 80 bytes."""
    if total == 0:
        return b""
    if total < 3:
        raise ValueError("a filler comment needs at least 3 bytes")
    lines = []
    while total > 0:
        width = min(total, 80)
        if 0 < total - width < 3:  # keep the last line at least "'\r\n"
            width -= 3
        lines.append(b"'" + b"-" * (width - 3) + b"\r\n")
        total -= width
    return b"".join(lines)


def min_compressed_size(data: bytes) -> int:
    """Size of the tightest single-chunk encoding ``compress_exact`` can make."""
    reach = _reachable(data, _longest_matches(data))
    mask = 0
    for m in range(8):
        mask |= reach[m][len(data)]
    return 3 + (mask & -mask).bit_length() - 1


def _fit_source(source: bytes, size: int) -> bytes:
    """Encode ``source`` in exactly ``size`` bytes.  A source too short to fill
    ``size`` bytes even as literals gets a trailing filler comment."""
    tightest = min_compressed_size(source)
    if tightest > size:
        raise ValueError(
            f"the new VBA source ({len(source)} bytes, {tightest} compressed) does not fit "
            f"into the template's {size}-byte module stream; shorten vba_source()"
        )
    first = 0
    while max_compressed_size(len(source) + first) < size:
        first = max(first + 1, 3)
    for pad in [0, *range(max(first, 3), max(first, 3) + 64)]:
        text = source + _filler(pad)
        if max_compressed_size(len(text)) < size:
            continue
        encoded = compress_exact(text, size)
        if encoded is not None:
            return encoded
    raise ValueError(f"could not encode the VBA source in exactly {size} bytes")


def _fit_long_source(source: bytes, size: int) -> bytes:
    """Encode a source of several 4 KiB chunks in exactly ``size`` bytes: every chunk but the last holds
    4096 bytes of source (MS-OVBA 2.4.1.3.1); each chunk's encoded size is chosen between its tightest
    and its all-literal encoding (at most 4098 bytes) so that the sizes add up. A filler comment adds
    chunks (and fills the last one) when even all-literal chunks would be too few bytes."""
    need = size - 1  # the signature byte
    chunk_count = max(-(-len(source) // 4096), -(-need // 4098))
    if len(source) < chunk_count * 4096 and chunk_count * 4096 - len(source) >= 3:
        source += _filler(chunk_count * 4096 - len(source))  # every chunk full: the widest size range
    pieces = [source[i:i + 4096] for i in range(0, len(source), 4096)]
    low = [min_compressed_size(piece) - 1 for piece in pieces]
    high = [min(4098, max_compressed_size(len(piece)) - 1) for piece in pieces]
    out, remaining = [b"\x01"], need
    for i, piece in enumerate(pieces):
        rest_low, rest_high = sum(low[i + 1:]), sum(high[i + 1:])
        target = max(low[i], min(high[i], remaining - rest_low))
        for chunk_size in sorted(range(low[i], high[i] + 1), key=lambda n: abs(n - target)):
            if not rest_low <= remaining - chunk_size <= rest_high:
                continue
            encoded = compress_exact(piece, chunk_size + 1)
            if encoded is not None:
                out.append(encoded[1:])
                remaining -= chunk_size
                break
        else:
            raise ValueError(f"could not encode the VBA source in exactly {size} bytes")
    data = b"".join(out)
    if len(data) != size or decompress(data) != source:  # pragma: no cover
        raise AssertionError("multi-chunk VBA source does not read back")
    return data


def patch_vba_module(vba_project: bytes, module: str, source: str) -> bytes:
    """Replace the source code of ``module`` in a vbaProject.bin.

    Streams keep their sizes (olefile can only rewrite streams in place): the
    module stream becomes pure compressed source (MODULEOFFSET 0, no stale
    p-code), and the dir stream, with the new MODULEOFFSET, is re-encoded to
    its old size.  ``_VBA_PROJECT``'s version is set to 0xFFFF so Office
    ignores any cached p-code and compiles from source (MS-OVBA 2.3.4.1).
    """
    import olefile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vbaProject.bin"
        path.write_bytes(vba_project)
        ole = olefile.OleFileIO(str(path), write_mode=True)
        try:
            vba_proj = ole.openstream("VBA/_VBA_PROJECT").read()
            if vba_proj[2:4] != b"\xff\xff":
                ole.write_stream("VBA/_VBA_PROJECT", vba_proj[:2] + b"\xff\xff" + vba_proj[4:])
            dir_raw = ole.openstream("VBA/dir").read()
            dir_data = decompress(dir_raw)
            stream, value_pos, _old_offset = _module_record(dir_data, module)
            module_size = ole.get_size(f"VBA/{stream}")
            src = source.encode(_code_page(dir_data))
            fit = _fit_source if len(src) <= 4096 else _fit_long_source
            ole.write_stream(f"VBA/{stream}", fit(src, module_size))
            new_dir = dir_data[:value_pos] + struct.pack("<I", 0) + dir_data[value_pos + 4 :]
            if new_dir != dir_data:
                encoded_dir = compress_exact(new_dir, len(dir_raw))
                if encoded_dir is None:
                    raise ValueError("could not re-encode the VBA dir stream in place")
                ole.write_stream("VBA/dir", encoded_dir)
        finally:
            ole.close()
        return path.read_bytes()


def _pad(new: str, length: int, eol: str = "\n") -> str:
    """``new`` made ``length`` characters long: a line-ending edit gets comment lines ("'---"), an edit
    inside a line spaces (between VBA tokens they mean nothing). ``eol`` is the module's line end."""
    diff = length - len(new)
    if diff < 0:
        raise ValueError(f"a VBA edit must not be longer than what it replaces: {new[:60]!r}")
    if diff == 0 or not new.endswith(eol):
        return new + " " * diff
    shortest = len(eol) + 1  # "'" and the line end
    if diff < shortest:
        return new[:-len(eol)] + " " * diff + eol
    lines = []
    while diff > 0:
        width = min(diff, 80)
        if 0 < diff - width < shortest:  # keep the last line at least "'" + eol
            width -= shortest
        lines.append("'" + "-" * (width - shortest) + eol)
        diff -= width
    return new + "".join(lines)


def _replace_function(source: str, name: str, new: str) -> tuple[str, str]:
    """(old, new) replacing the whole ``Function name(`` ... ``End Function`` of ``source``."""
    eol = "\r\n" if "\r\n" in source else "\n"
    start = source.find(f"Function {name}(")
    end = source.find(f"{eol}End Function{eol}", start)
    if start < 0 or end < 0:
        raise ValueError(f"{name} not found in the xlwings VBA")
    return source[start:end + len(f"{eol}End Function{eol}")], new.replace("\n", eol)


def apply_edits(source: str, edits) -> str:
    """``source`` with each (old, new) edit applied, each padded to the length of what it replaces,
    so the module keeps its length. Edits are written with LF; a CRLF module gets them in CRLF."""
    eol = "\r\n" if "\r\n" in source else "\n"
    for old, new in edits:
        old, new = old.replace("\r\n", "\n").replace("\n", eol), new.replace("\r\n", "\n").replace("\n", eol)
        if source.count(old) != 1:
            raise ValueError(f"the xlwings VBA does not contain exactly one {old[:60]!r}: new xlwings version?")
        source = source.replace(old, _pad(new, len(old), eol))
    return source


def xlwings_source(source: str) -> str:
    """The xlwings module's source with XLWINGS_EDITS applied and GetConfig replaced, same length."""
    return apply_edits(source, [*XLWINGS_EDITS, _replace_function(source, "GetConfig", _GETCONFIG)])


def _container_chunks(raw: bytes) -> list[bytes]:
    """The chunks (header included) of an MS-OVBA CompressedContainer."""
    chunks, pos = [], 1
    while pos < len(raw):
        (header,) = struct.unpack_from("<H", raw, pos)
        size = (header & 0x0FFF) + 3
        chunks.append(raw[pos:pos + size])
        pos += size
    return chunks


def patch_module_chunks(vba_project: bytes, module: str, edit) -> bytes:
    """Apply ``edit`` (source text → text of the same length) to a large module in place.

    Every chunk of a CompressedContainer decodes to 4096 bytes on its own, so an edit that keeps the
    length changes only the chunks it touches; each is re-encoded to its old size (compress_exact),
    so the stream keeps its size and olefile can rewrite it."""
    import olefile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vbaProject.bin"
        path.write_bytes(vba_project)
        ole = olefile.OleFileIO(str(path), write_mode=True)
        try:
            dir_data = decompress(ole.openstream("VBA/dir").read())
            stream, _pos, offset = _module_record(dir_data, module)
            if offset != 0:
                raise ValueError(f"VBA module {module!r} has p-code (MODULEOFFSET {offset})")
            codec = _code_page(dir_data)
            raw = ole.openstream(f"VBA/{stream}").read()
            old = decompress(raw)
            new = edit(old.decode(codec)).encode(codec)
            if len(new) != len(old):
                raise ValueError("the edited VBA source must keep its length")
            out = [raw[:1]]
            for i, chunk in enumerate(_container_chunks(raw)):
                piece = new[i * 4096:(i + 1) * 4096]
                if piece == old[i * 4096:(i + 1) * 4096]:
                    out.append(chunk)
                    continue
                encoded = compress_exact(piece, len(chunk) + 1)
                if encoded is None:
                    raise ValueError(f"could not re-encode chunk {i} of VBA module {module!r} in place")
                out.append(encoded[1:])
            data = b"".join(out)
            if len(data) != len(raw) or decompress(data) != new:  # pragma: no cover
                raise AssertionError("patched VBA module does not read back")
            ole.write_stream(f"VBA/{stream}", data)
        finally:
            ole.close()
        return path.read_bytes()


def read_vba_modules(vba_project: bytes) -> dict[str, str]:
    """Decompressed source of every module (used by the build and the tests)."""
    import io

    import olefile

    ole = olefile.OleFileIO(io.BytesIO(vba_project))
    try:
        dir_data = decompress(ole.openstream("VBA/dir").read())
        codec = _code_page(dir_data)
        modules = {}
        for rec in _dir_modules(dir_data):
            raw = ole.openstream(f"VBA/{rec['stream']}").read()
            modules[rec["name"]] = decompress(raw[rec["offset"] :]).decode(codec)
        return modules
    finally:
        ole.close()


def project_name(modules: dict[str, str]) -> str:
    """PROJECT_NAME constant of the white-labelled xlwings VBA module: the
    add-in reads its configuration from the sheet ``<PROJECT_NAME>.conf``."""
    for code in modules.values():
        m = re.search(r'PROJECT_NAME\s+As\s+String\s*=\s*"([^"]+)"', code)
        if m:
            return m.group(1)
    raise ValueError("PROJECT_NAME not found in the VBA code")


# ---------------------------------------------------------------------------
# OOXML parts
# ---------------------------------------------------------------------------
def _xml(data: bytes):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    return etree.fromstring(data, parser)


def _serialize(root) -> bytes:
    from lxml import etree

    # Same declaration as the template's parts (Office writes double quotes).
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + etree.tostring(
        root, encoding="UTF-8"
    )


def _config_sheet_part(parts: dict[str, bytes], sheet_names: tuple[str, ...]) -> tuple[str, str]:
    wb = _xml(parts["xl/workbook.xml"])
    rels = _xml(parts["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target") for r in rels}
    for sheet in wb.iter(f"{{{NS_MAIN}}}sheet"):
        if sheet.get("name") in sheet_names:
            target = targets[sheet.get(f"{{{NS_REL}}}id")]
            return sheet.get("name"), "xl/" + target.lstrip("/").removeprefix("xl/")
    raise ValueError(f"configuration sheet {sheet_names} not found in the template")


def _column_index(ref: str) -> int:
    found = re.match(r"[A-Z]+", ref)
    if found is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    letters = found.group(0)
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index


def _activate_config_sheet(parts: dict[str, bytes], conf_sheet: str) -> None:
    """Rename ``_<project>.conf`` to ``<project>.conf`` (which makes xlwings'
    GetConfig read it), fill in column B for CONFIG_VALUES and write the UI
    texts MESSAGES into column D (GetConfig only reads keys from column A)."""
    from lxml import etree

    old_name, part = _config_sheet_part(parts, ("_" + conf_sheet, conf_sheet))
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    workbook = workbook.replace(f'name="{old_name}"', f'name="{conf_sheet}"', 1)
    parts["xl/workbook.xml"] = workbook.encode("utf-8")

    c_tag, v_tag = f"{{{NS_MAIN}}}c", f"{{{NS_MAIN}}}v"
    sst = _xml(parts["xl/sharedStrings.xml"])
    strings = ["".join(si.itertext()) for si in sst.findall(f"{{{NS_MAIN}}}si")]

    def string_index(text: str) -> int:
        if text not in strings:
            si = etree.SubElement(sst, f"{{{NS_MAIN}}}si")
            etree.SubElement(si, f"{{{NS_MAIN}}}t").text = text
            strings.append(text)
        return strings.index(text)

    sheet = _xml(parts[part])
    rows = {int(r.get("r")): r for r in sheet.iter(f"{{{NS_MAIN}}}row")}
    first_style = rows[min(rows)].find(c_tag).get("s")  # the template's style of its config cells

    def set_text(row_number: int, column: str, text: str) -> None:
        row = rows[row_number]
        ref = f"{column}{row_number}"
        cells = row.findall(c_tag)
        style = cells[0].get("s") if cells else first_style
        for c in cells:
            if c.get("r") == ref:
                row.remove(c)
        cell = etree.Element(c_tag, r=ref, t="s")
        if style:
            cell.set("s", style)
        etree.SubElement(cell, v_tag).text = str(string_index(text))
        after = [c for c in row.findall(c_tag) if _column_index(c.get("r")) < _column_index(ref)]
        if after:
            after[-1].addnext(cell)
        else:
            row.insert(0, cell)
        last = max(_column_index(c.get("r")) for c in row.findall(c_tag))
        row.set("spans", f"1:{last}")

    keys = {}
    for number, row in rows.items():
        a = row.find(c_tag)
        if a is not None and a.get("r") == f"A{number}" and a.get("t") == "s":
            keys[strings[int(a.find(v_tag).text)].upper()] = number
    sheet_data = sheet.find(f"{{{NS_MAIN}}}sheetData")
    for key, value in CONFIG_VALUES.items():
        if key.upper() not in keys:
            number = 1
            while number in keys.values():  # the first empty row below the contiguous keys
                number += 1
            if number in rows and rows[number].findall(c_tag):
                raise ValueError(f"row {number} of {part} is not free for {key!r}")
            if number not in rows:
                row = etree.Element(f"{{{NS_MAIN}}}row", r=str(number), spans="1:2",
                                    ht=rows[number - 1].get("ht", "15.75"))
                later = [r for n, r in rows.items() if n > number]
                if later:
                    later[0].addprevious(row)
                else:
                    sheet_data.append(row)
                rows[number] = row
                rows = dict(sorted(rows.items()))
            set_text(number, "A", key)
            keys[key.upper()] = number
        set_text(keys[key.upper()], "B", value)
    for number, text in MESSAGES.items():
        set_text(number, MESSAGE_COLUMN, text)
    dimension = sheet.find(f"{{{NS_MAIN}}}dimension")
    if dimension is not None:
        last_row = max(rows)
        dimension.set("ref", f"A1:{MESSAGE_COLUMN}{last_row}")

    total = sum(1 for c in sheet.iter(c_tag) if c.get("t") == "s")
    sst.set("uniqueCount", str(len(strings)))
    sst.set("count", str(max(total, len(strings))))
    parts["xl/sharedStrings.xml"] = _serialize(sst)
    parts[part] = _serialize(sheet)


def _set_core_properties(parts: dict[str, bytes]) -> None:
    core = _xml(parts["docProps/core.xml"])
    dc = "http://purl.org/dc/elements/1.1/"
    for tag, text in (("title", ADDIN_TITLE), ("description", ADDIN_DESCRIPTION)):
        el = core.find(f"{{{dc}}}{tag}")
        if el is None:
            from lxml import etree

            el = etree.SubElement(core, f"{{{dc}}}{tag}")
        el.text = text
    parts["docProps/core.xml"] = _serialize(core)


def _ribbon_part(parts: dict[str, bytes]) -> str:
    rels = _xml(parts["_rels/.rels"])
    for r in rels:
        if r.get("Type") in RIBBON_REL_TYPES:
            return r.get("Target").lstrip("/")
    raise ValueError("the template has no ribbon (customUI) part")


def template_path() -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent / TEMPLATE_NAME


def build(output: Path = DEFAULT_OUTPUT, template: Path | None = None) -> Path:
    template = Path(template) if template else template_path()
    with zipfile.ZipFile(template) as zin:
        names = [i.filename for i in zin.infolist()]
        parts = {name: zin.read(name) for name in names}

    parts[_ribbon_part(parts)] = ribbon_xml().encode("utf-8")

    parts["xl/vbaProject.bin"] = patch_vba_module(
        parts["xl/vbaProject.bin"], VBA_MODULE, vba_source()
    )
    parts["xl/vbaProject.bin"] = patch_module_chunks(parts["xl/vbaProject.bin"], XLWINGS_MODULE, xlwings_source)
    modules = read_vba_modules(parts["xl/vbaProject.bin"])
    if not modules[VBA_MODULE].startswith(vba_source()):  # pragma: no cover
        raise AssertionError("patched VBA module does not read back")

    _activate_config_sheet(parts, project_name(modules) + ".conf")
    _set_core_properties(parts)
    return _write_package(Path(output), names, parts)


def _write_package(output: Path, names: list[str], parts: dict[str, bytes]) -> Path:
    """Write the parts as a zip, deterministically (fixed timestamps and order), via a temporary file."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zout:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, parts[name], compresslevel=9)
    tmp.replace(output)
    return output


# ---------------------------------------------------------------------------
# The standard xlwings add-in (xlwings.xlam: ribbon tab "xlwings", Import Functions, the UDF server)
# ---------------------------------------------------------------------------
# Its VBA is split into modules: GetConfig lives in ``Config`` (with p-code, so its source is replaced
# as a whole: patch_vba_module), RunPython/XLPyCommand/GetUdfModules in ``Main`` (source only: edited in
# place, patch_module_chunks), RunServerPython/RunRemotePython in ``Remote`` (p-code: replaced as a whole).
# PROJECT_NAME is "xlwings", so the user's file is already
# %USERPROFILE%\.xlwings\xlwings.conf. Workbooks whose functions were imported (module xlwings_udfs)
# call ``XLPy.CallUDF`` of this project through a VBA reference, which is why it keeps its name, its
# modules and its public procedures: only what reads settings or builds the command line changes.
STANDARD_ADDIN_FILE_NAME = "xlwings.xlam"
STANDARD_OUTPUT = HERE / STANDARD_ADDIN_FILE_NAME
STANDARD_CONFIG_MODULE = "Config"
STANDARD_MAIN_MODULE = "Main"
STANDARD_REMOTE_MODULE = "Remote"
REMOTE_SIGNATURE_END = """    Optional followRedirects As String _
)
"""
"""The end of RunServerPython's and RunRemotePython's signatures: a cell calling either would send the
workbook to a URL and run what the answer names (Application.Run); the guard goes right after it."""
STANDARD_MAIN_EDITS = tuple(edit for edit in XLWINGS_EDITS if "GetConfigFilePath" not in edit[0])
"""XLWINGS_EDITS without the user-file path (PROJECT_NAME is already "xlwings" here)."""
UNSAFE_MESSAGE_FUNCTION = "XlperfUnsafeSetting"


def standard_addin_path() -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent / "addin" / STANDARD_ADDIN_FILE_NAME


def vba_text_function(name: str, text: str) -> str:
    """A private VBA function returning ``text``: VBA source is code page 1252 and this add-in has no sheet
    of ours for texts, so non-ASCII characters are written as ChrW(&H....), a few per line."""
    pieces: list[str] = []
    for ch in text:
        if 32 <= ord(ch) < 127:
            literal = '"' + ch.replace('"', '""') + '"'
            if pieces and pieces[-1].startswith('"'):
                pieces[-1] = pieces[-1][:-1] + literal[1:]
            else:
                pieces.append(literal)
        else:
            pieces.append(f"ChrW(&H{ord(ch):04X})")
    lines = [f"Private Function {name}() As String", "    Dim s As String"]
    for i in range(0, len(pieces), 12):
        lines.append("    s = s & " + " & ".join(pieces[i:i + 12]))
    lines += [f"    {name} = s", "End Function", ""]
    return "\n".join(lines)


def standard_config_source(source: str) -> str:
    """The Config module: GetConfig as in xlperf.xlam (own sheet, then the user's file, unsafe values
    refused) with the refusal text from a ChrW function appended to the module."""
    eol = "\r\n" if "\r\n" in source else "\n"
    getconfig = _GETCONFIG_TEMPLATE.replace("{message}", f"{UNSAFE_MESSAGE_FUNCTION}()")
    old, new = _replace_function(source, "GetConfig", getconfig)
    if source.count(old) != 1:  # pragma: no cover
        raise ValueError("GetConfig not found once in the xlwings Config module")
    source = source.replace(old, new)
    message = vba_text_function(UNSAFE_MESSAGE_FUNCTION, MESSAGES[MSG_UNSAFE_SETTING]).replace("\n", eol)
    return source.rstrip("\r\n") + eol + eol + message


def standard_remote_source(source: str) -> str:
    """The Remote module with CELL_GUARD as the first statement of RunServerPython and RunRemotePython."""
    eol = "\r\n" if "\r\n" in source else "\n"
    end = REMOTE_SIGNATURE_END.replace("\n", eol)
    if source.count(end) != 2:
        raise ValueError("RunServerPython/RunRemotePython not found in the xlwings Remote module: new xlwings version?")
    return source.replace(end, end + CELL_GUARD.replace("\n", eol))


def build_standard(output: Path = STANDARD_OUTPUT, source: Path | None = None) -> Path:
    """The standard xlwings add-in with the same safety edits as xlperf.xlam (see XLWINGS_EDITS)."""
    source = Path(source) if source else standard_addin_path()
    with zipfile.ZipFile(source) as zin:
        names = [i.filename for i in zin.infolist()]
        parts = {name: zin.read(name) for name in names}
    vba = parts["xl/vbaProject.bin"]
    modules = read_vba_modules(vba)
    config = standard_config_source(modules[STANDARD_CONFIG_MODULE])
    vba = patch_vba_module(vba, STANDARD_CONFIG_MODULE, config)
    vba = patch_vba_module(vba, STANDARD_REMOTE_MODULE, standard_remote_source(modules[STANDARD_REMOTE_MODULE]))
    vba = patch_module_chunks(vba, STANDARD_MAIN_MODULE, lambda text: apply_edits(text, STANDARD_MAIN_EDITS))
    if not read_vba_modules(vba)[STANDARD_CONFIG_MODULE].startswith(config):  # pragma: no cover
        raise AssertionError("patched Config module does not read back")
    parts["xl/vbaProject.bin"] = vba
    return _write_package(Path(output), names, parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--template", type=Path, default=None, help="default: xlwings' own")
    parser.add_argument("--xlwings-output", type=Path, default=STANDARD_OUTPUT,
                        help="the patched standard xlwings add-in (default: install/xlwings.xlam)")
    args = parser.parse_args(argv)
    out = build(args.output, args.template)
    standard = build_standard(args.xlwings_output)
    import xlwings

    print(f"built {out} from xlwings {xlwings.__version__} ({args.template or template_path()})")
    print(f"built {standard} from xlwings {xlwings.__version__} ({standard_addin_path()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
