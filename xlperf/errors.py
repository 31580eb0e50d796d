"""Fatal, user-facing errors and the translation of pydantic errors into Chinese messages."""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import ErrorDetails

__all__ = ["InputError", "ReportUnreadable", "XlperfError", "describe_validation_error", "reason_zh"]


class XlperfError(Exception):
    """An error the user must fix; ``str(err)`` is a complete Chinese message (no traceback shown)."""


class InputError(XlperfError):
    """Unreadable or invalid input data (data file, workbook or framework file)."""


_MESSAGES = {
    "missing": "缺少必填项",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "int_type": "必须是整数",
    "int_from_float": "必须是整数（人数、个数不能有小数）",
    "int_parsing": "必须是整数",
    "decimal_max_places": "最多 {decimal_places} 位小数",
    "decimal_parsing": "必须是数字",
    "decimal_type": "必须是数字",
    "extra_forbidden": "未知字段（拼写错误？）",
    "bool_parsing": "必须是“是/否”（true/false）",
    "bool_type": "必须是“是/否”（true/false）",
    "string_type": "必须是文字",
    "literal_error": "取值必须是 {expected} 之一",
    "too_short": "至少需要 {min_length} 项",
    "union_tag_invalid": "规则类型 kind 无效（{tag}），可用：{expected_tags}",
    "union_tag_not_found": "缺少规则类型 kind",
    "string_pattern_mismatch": "格式不正确（应匹配 {pattern}）",
    "value_error": "{error}",
    "decimal_max_digits": "数字位数过多",
    "dict_type": "必须是键值表",
    "list_type": "必须是列表",
    "model_type": "必须是键值表（字段: 值）",
    "model_attributes_type": "必须是键值表（字段: 值）",
    "finite_number": "必须是有限的数（不能是 NaN 或无穷大，或数字位数过多）",
    "string_too_long": "最多 {max_length} 个字符",
    "too_long": "最多 {max_length} 项",
    "int_parsing_size": "数字位数过多",
    "float_parsing": "必须是数字",
    "float_type": "必须是数字",
    "less_than": "必须小于 {lt}",
    "decimal_whole_digits": "整数部分位数过多",
    "recursion_loop": "不能引用自身（锚点与别名构成循环）",
    "string_too_short": "至少 {min_length} 个字符",
}
MAX_LINES = 50
"""Lines of a validation error shown (a hostile file may have a hundred thousand unknown keys)."""
VALUE_SHOWN = 80
"""Characters of an offending value shown (a text may be a million characters long)."""


def reason_zh(err: ErrorDetails) -> str:
    """The Chinese reason of one pydantic error."""
    template = _MESSAGES.get(err["type"])
    ctx = dict(err.get("ctx") or {})
    if "error" in ctx:
        ctx["error"] = str(ctx["error"]).removeprefix("Value error, ")
    try:
        return template.format(**ctx) if template else f"取值无效（{err['msg']}）"
    except (KeyError, IndexError):
        return f"取值无效（{err['msg']}）"


def describe_validation_error(exc: ValidationError, source: str) -> str:
    """One Chinese line per pydantic error: '<file>: 字段 a.b.c：<reason>（值：x）'."""
    lines = []
    errors = exc.errors(include_url=False)
    for err in errors[:MAX_LINES]:
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-after"))[:200]
        reason = reason_zh(err)
        value = err.get("input")
        shown = "" if err["type"] == "missing" or isinstance(value, dict | list | set | frozenset | tuple) \
            else f"（值：{_shown(value)}）"
        lines.append(f"{source}：字段 {loc or '（根）'}：{reason}{shown}")
    if len(errors) > MAX_LINES:
        lines.append(f"{source}：……另有 {len(errors) - MAX_LINES} 处问题未列出")
    return "\n".join(lines)


def _shown(value: object) -> str:
    """A value as the data file's reader sees it, never a Python repr (``datetime.datetime(…)``, ``b'…'``):
    a text quoted, a date as the file wrote it, binary data by its size."""
    import datetime as dt
    from decimal import Decimal

    from xlperf.safe_text import printable

    if isinstance(value, str):
        text = "“" + printable(value[:VALUE_SHOWN + 1], newlines=False) + "”"
    elif isinstance(value, bytes | bytearray):
        text = f"二进制数据（{len(value)} 字节）"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dt.datetime | dt.date | dt.time):
        text = f"日期时间 {value.isoformat()}" if isinstance(value, dt.datetime) else \
            f"日期 {value.isoformat()}" if isinstance(value, dt.date) else f"时间 {value.isoformat()}"
    elif value is None:
        text = "空值"
    elif isinstance(value, Decimal | int | float):
        text = str(value)
    else:
        text = type(value).__name__
    return text if len(text) <= VALUE_SHOWN else text[:VALUE_SHOWN] + "…"


_XML_REASONS = (  # libxml2's English message → the Chinese reason (first match wins)
    ("Excessive depth", "XML 嵌套层数过多，超出可处理范围"),
    ("huge text node", "XML 中有过长的文本，超出可处理范围"),
    ("Text node too long", "XML 中有过长的文本，超出可处理范围"),
    ("Document is empty", "XML 部件是空的"),
    ("Premature end of data", "XML 部件不完整（文件可能被截断）"),
    ("EndTag", "XML 部件不完整（文件可能被截断）"),
    ("Extra content at the end", "XML 部件末尾有多余内容"),
    ("tag mismatch", "XML 标签不配对"),
    ("Entity", "XML 中有实体引用，已拒绝"),
    ("encoding", "XML 编码无效"),
    ("Char 0x", "XML 中有非法字符"),
    ("not well-formed", "XML 格式错误"),
    ("Start tag expected", "XML 部件不是 XML"),
)


def xml_reason_zh(exc: BaseException) -> str:
    """A Chinese reason for an XML or package error (libxml2 and zipfile speak English), with the line
    where libxml2 gives one; the English text itself is never shown."""
    text = str(exc)
    reason = next((zh for en, zh in _XML_REASONS if en in text), None)
    if reason is None:
        kind = type(exc).__name__
        reason = {"BadZipFile": "不是有效的 zip 压缩包", "KeyError": "缺少必需的部件",
                  "XMLSyntaxError": "XML 格式错误", "ParseError": "XML 格式错误"}.get(kind, "内部结构无法解析")
    line = getattr(exc, "lineno", None)
    return f"{reason}（第 {line} 行）" if isinstance(line, int) and line > 0 else reason


class ReportUnreadable(Exception):
    """The report cannot be read; ``message`` (Chinese) says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
