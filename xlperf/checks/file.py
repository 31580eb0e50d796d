"""XP1xx (file): what the hostile-file pre-check refuses or notes before any parsing."""

from __future__ import annotations

from xlperf.checks.base import ReaderCheck
from xlperf.findings import Severity
from xlperf.ingest.notes import Noted

__all__ = [
    "EmptyFile",
    "EncryptedWorkbook",
    "FileNotFound",
    "FileTooLarge",
    "FileUnreadable",
    "LegacyXls",
    "MacrosPresent",
    "NotARegularFile",
    "NotAWorkbook",
    "NotAZip",
    "SheetTooLarge",
    "TooManyCells",
    "XmlEntities",
    "ZipBomb",
]


class EmptyFile(ReaderCheck):
    """检查内容：文件大小为 0 字节。
    为何重要：空文件无法读取，通常是上传或复制中断。
    示例：提交的“某局.xlsx”大小为 0 KB。
    如何修改：重新从 Excel 保存并提交完整的工作簿。"""

    code, name, severity, title, family = "XP101", "empty-file", Severity.error, "空文件", "file"
    note = Noted.EMPTY_FILE


class NotAZip(ReaderCheck):
    """检查内容：文件不是有效的 xlsx（zip）包，或 zip 已截断、损坏。
    为何重要：损坏的文件无法可靠读取，任何数字都可能缺失。
    示例：把 .csv 或网页另存为 .xlsx 扩展名；下载中断只得到一半的文件。
    如何修改：在 Excel 中打开原文件并“另存为”Excel 工作簿（.xlsx）后重新提交。"""

    code, name, severity, title, family = "XP102", "not-a-zip", Severity.error, "文件已损坏或不是 xlsx", "file"
    note = Noted.NOT_A_ZIP


class LegacyXls(ReaderCheck):
    """检查内容：文件是 Excel 97-2003 二进制格式（.xls）。
    为何重要：标准模板是 .xlsx，旧格式不含定义名称和数据验证，无法校验。
    示例：把模板另存为“Excel 97-2003 工作簿”。
    如何修改：在 Excel 中“另存为”Excel 工作簿（.xlsx）。"""

    code, name, severity, title, family = "XP103", "legacy-xls", Severity.error, "旧版 .xls 格式", "file"
    note = Noted.LEGACY_XLS


class EncryptedWorkbook(ReaderCheck):
    """检查内容：工作簿设置了打开密码（加密）。
    为何重要：加密文件无法在没有密码的情况下读取和批量校验。
    示例：文件→信息→保护工作簿→用密码进行加密。
    如何修改：取消打开密码后重新提交（工作表保护不受影响）。"""

    code, name, severity, title, family = "XP104", "encrypted-workbook", Severity.error, "工作簿设有打开密码", "file"
    note = Noted.ENCRYPTED_WORKBOOK


class ZipBomb(ReaderCheck):
    """检查内容：文件解压后的体积、压缩比或部件数量超过安全上限。
    为何重要：此类文件会耗尽校验服务器的内存和时间（压缩炸弹），影响所有部门的批量校验。
    示例：几百 KB 的文件解压后超过 300 MB。
    如何修改：使用标准模板重新填报；不要在工作簿中粘贴大量无关数据。"""

    code, name, severity, title, family = "XP105", "zip-bomb", Severity.error, "疑似压缩炸弹", "file"
    note = Noted.ZIP_BOMB


class XmlEntities(ReaderCheck):
    """检查内容：工作簿内部 XML 含 DOCTYPE 或实体声明。
    为何重要：Excel 不会写出实体声明；它们只用于“XML 炸弹”等攻击，展开后会耗尽内存。
    示例：sheet1.xml 中含 <!ENTITY lol ...>。
    如何修改：文件可能被篡改或由非 Excel 程序生成，请用 Excel 重新保存标准模板后提交。"""

    code, name, severity, title, family = "XP106", "xml-entities", Severity.error, "XML 含实体声明", "file"
    note = Noted.XML_ENTITIES


class MacrosPresent(ReaderCheck):
    """检查内容：工作簿含 VBA 宏（vbaProject.bin 或 .xlsm）。
    为何重要：宏可能带来安全风险；校验程序从不执行宏，宏也不影响评分。
    示例：提交的文件是“某局.xlsm”。
    如何修改：另存为不含宏的 .xlsx 后提交（可选）。"""

    code, name, severity, title, family = "XP107", "macros-present", Severity.warning, "含宏（未执行）", "file"
    note = Noted.MACROS_PRESENT


class SheetTooLarge(ReaderCheck):
    """检查内容：某个工作表的行数超过上限（默认 100,000 行）。
    为何重要：标准模板每个工作表只有几十行；超大的工作表拖慢或拖垮批量校验。
    示例：在工作表中误粘贴了 100 万行数据。
    如何修改：删除无关数据，使用标准模板重新填报。"""

    code, name, severity, title, family = "XP108", "sheet-too-large", Severity.error, "工作表行数超出上限", "file"
    note = Noted.SHEET_TOO_LARGE


class NotAWorkbook(ReaderCheck):
    """检查内容：文件是 zip 包但不是 Excel 工作簿（例如 Word 文档）。
    为何重要：无法从中读取任何填报数据。
    示例：把 .docx 改名为 .xlsx 提交。
    如何修改：提交用标准模板填报的 Excel 工作簿。"""

    code, name, severity, title, family = "XP109", "not-a-workbook", Severity.error, "不是 Excel 工作簿", "file"
    note = Noted.NOT_A_WORKBOOK


class FileTooLarge(ReaderCheck):
    """检查内容：文件大小超过上限（默认 50 MB）。
    为何重要：标准工作簿通常不足 100 KB；过大的文件多为误存了图片或大量数据。
    示例：工作簿中粘贴了扫描件图片。
    如何修改：删除图片等无关内容后重新保存。"""

    code, name, severity, title, family = "XP110", "file-too-large", Severity.error, "文件过大", "file"
    note = Noted.FILE_TOO_LARGE


class NotARegularFile(ReaderCheck):
    """检查内容：要校验的路径不是普通文件，而是文件夹、命名管道（FIFO）、设备（如 /dev/zero）、套接字或循环的符号链接。
    为何重要：从这些对象读取会无限等待或读出无穷的数据，拖垮批量校验；校验程序只打开普通文件，且打开前先检查。
    示例：提交目录中有一个名为“某局.xlsx”的命名管道，或指向自身的符号链接。
    如何修改：提交用 Excel 保存的 .xlsx 文件本身。"""

    code, name, severity, title, family = "XP111", "not-a-regular-file", Severity.error, "不是普通文件", "file"
    note = Noted.NOT_A_REGULAR_FILE


class FileNotFound(ReaderCheck):
    """检查内容：要校验的文件不存在。
    为何重要：文件名或路径写错时没有任何数据可以校验；与“空文件”（XP101）不同，这里根本找不到文件。
    示例：命令行中把“科技局.xlsx”写成了“科技局.xslx”。
    如何修改：检查文件名和路径后重新运行。"""

    code, name, severity, title, family = "XP112", "file-not-found", Severity.error, "找不到文件", "file"
    note = Noted.FILE_NOT_FOUND


class FileUnreadable(ReaderCheck):
    """检查内容：文件存在，但无法打开读取（如没有读取权限）。
    为何重要：无法读取的文件无法校验。
    示例：文件属于其他用户且未授予读取权限。
    如何修改：调整文件权限，或复制一份可读取的文件后重新校验。"""

    code, name, severity, title, family = "XP113", "file-unreadable", Severity.error, "文件无法打开", "file"
    note = Noted.FILE_UNREADABLE


class TooManyCells(ReaderCheck):
    """检查内容：工作簿所有工作表的单元格总数超过上限（默认 300,000 个；标准工作簿约 1,500 个），
    或全部 XML 部件中的标记总数超过 3,000,000 个（标准工作簿约 1 万个），或共享公式展开后过长。
    为何重要：单个工作表的行数未超限时，多个工作表合起来仍可能耗尽校验服务器的内存和时间。
    示例：在两个工作表中各粘贴了 99,000 行 × 36 列的数据。
    如何修改：删除无关数据，使用标准模板重新填报。"""

    code, name, severity, title, family = "XP114", "too-many-cells", Severity.error, "单元格数量超出上限", "file"
    note = Noted.TOO_MANY_CELLS
