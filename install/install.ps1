<#
.SYNOPSIS
    xlperf 安装程序：部门整体支出绩效自评 Excel 加载项（xlwings）。

.DESCRIPTION
    Installs xlperf for the current Windows user (no administrator rights needed):
      1. finds a 64-bit Python 3.11-3.14 (py launcher, python on PATH, usual install folders); with an
         offline bundle only the versions its wheels\targets.txt lists, and says exactly what is wrong
         (32-bit, too new, too old, none) and how to fix it
      2. creates the virtual environment %LOCALAPPDATA%\xlperf\venv
      3. pip-installs the xlperf wheel shipped beside this script (xlperf-*.whl) and
         xlwings; dependencies come from PyPI (or a mirror, -IndexUrl) or from the
         optional folder wheels\ beside this script (offline install)
      4. copies xlperf_udfs.py to %LOCALAPPDATA%\xlperf\udfs
      5. writes the xlwings settings to %USERPROFILE%\.xlwings\xlwings.conf (no BOM;
         ADD_WORKBOOK_TO_PYTHONPATH False, so no workbook folder goes on sys.path)
      6. backs up another xlwings add-in found in XLSTART, then copies the shipped xlwings.xlam
         (xlwings' own add-in for Import Functions and the UDF server, patched by
         install/build_addin.py so it reads no settings from a workbook) into XLSTART
      7. copies xlperf.xlam (ribbon tab 绩效自评) into Excel's XLSTART folder
      8. registers the WPS add-in and its local service when WPS Office is installed
         (python -m xlperf.addins.wps_install install; -NoWps skips it)
    Run it through install.bat, which starts it with -ExecutionPolicy Bypass.
    Everything it changes outside %LOCALAPPDATA%\xlperf is recorded in
    install-state.json there (the WPS registration in %APPDATA%\xlperf\install-manifest.json);
    uninstall.ps1 reverses exactly that.

.PARAMETER Python
    Full path of the python.exe to use (skips the search).
.PARAMETER IndexUrl
    Package index to use instead of PyPI, e.g. https://mirrors.aliyun.com/pypi/simple/
.PARAMETER Proxy
    HTTP proxy for pip, e.g. http://proxy.example.gov.cn:8080
.PARAMETER Online
    Use the package index even when a wheels\ folder exists beside this script.
.PARAMETER Clean
    Delete and re-create the virtual environment.
.PARAMETER AllowStorePython
    Accept a Microsoft Store Python (not recommended, see 安装说明.md).
.PARAMETER NoPrompt
    Never wait for input (fail instead), for unattended installs.
.PARAMETER NoWps
    Do not register the WPS add-in even when WPS Office is installed.
#>
[CmdletBinding()]
param(
    [string]$Python = '',
    [string]$IndexUrl = '',
    [string]$Proxy = '',
    [switch]$Online,
    [switch]$Clean,
    [switch]$AllowStorePython,
    [switch]$NoPrompt,
    [switch]$NoWps
)

$ErrorActionPreference = 'Stop'

# UTF-8 console so Chinese messages and non-ASCII paths (user names) show correctly;
# Python prints UTF-8 too, and PowerShell decodes its output with OutputEncoding.
$Utf8 = New-Object System.Text.UTF8Encoding $false
try { [Console]::OutputEncoding = $Utf8 } catch { }
$OutputEncoding = $Utf8
$env:PYTHONIOENCODING = 'utf-8'
$env:PIP_DISABLE_PIP_VERSION_CHECK = '1'
$env:PIP_NO_INPUT = '1'

# ---------------------------------------------------------------------------
# Names (tests/test_install.py checks them against the add-in and the repo)
# ---------------------------------------------------------------------------
$AppName          = 'xlperf'
$UdfModule        = 'xlperf_udfs'
$UdfFileName      = 'xlperf_udfs.py'
$RepoUdfRelPath   = 'udfs\xlperf_udfs.py'
$AddinFile        = 'xlperf.xlam'
# The WPS add-in's files (install/wps, the bundle's wps\ folder) and the Python module that registers them
# (the same code as install/wps/install.sh on Linux: publish.xml, oem.ini, the service at login).
$WpsDirName       = 'wps'
$WpsModule        = 'xlperf.addins.wps_install'
# xlwings' standard add-in with xlperf's safety edits (install/build_addin.py), shipped beside this script;
# "xlwings addin install" would copy the unpatched one from the venv's site-packages.
$XlwingsAddinFile = 'xlwings.xlam'
$WheelPattern     = 'xlperf-*.whl'
$XlwingsVersion   = '0.37.8'   # must match the xlwings VBA inside xlperf.xlam
$MinPython        = [Version]'3.11'
# 64-bit CPython versions xlperf installs on. An offline bundle (wheels\ beside this script) says in
# wheels\targets.txt which of them its wheels cover (install/build_bundle.py writes it); only those are
# then accepted, since pip cannot fetch what is missing without a network.
$SupportedPython  = @('3.11', '3.12', '3.13', '3.14')

$InstallRoot      = Join-Path $env:LOCALAPPDATA 'xlperf'
$VenvDir          = Join-Path $InstallRoot 'venv'
$UdfDir           = Join-Path $InstallRoot 'udfs'
$StateFile        = Join-Path $InstallRoot 'install-state.json'
$VenvPython       = Join-Path $VenvDir 'Scripts\python.exe'
$VenvPythonw      = Join-Path $VenvDir 'Scripts\pythonw.exe'

# xlwings expands environment variables in its settings (VBA: WScript.Shell
# ExpandEnvironmentStrings, Python: os.path.expandvars), so xlwings.conf keeps
# %LOCALAPPDATA% unexpanded: the file stays ASCII whatever the user name is.
$ConfInterpreter  = '%LOCALAPPDATA%\xlperf\venv\Scripts\pythonw.exe'
$ConfPythonPath   = '%LOCALAPPDATA%\xlperf\udfs'
# xlwings' VBA puts the active workbook's folder first on sys.path unless this setting is
# false (GetConfig("ADD_WORKBOOK_TO_PYTHONPATH", "true") in RunPython and in the UDF server's
# command line; xlwings.utils.prepare_sys_path adds it only for "true"). A workbook opened from
# OneDrive/SharePoint/an OA link then fails before xlperf runs, and a stray xlperf_udfs.py beside
# a workbook would shadow the installed one.
$ConfAddWorkbook  = 'False'
$XlwingsConf      = Join-Path $env:USERPROFILE '.xlwings\xlwings.conf'
$BackupDir        = Join-Path $InstallRoot 'backup'
$DefaultXlstart   = Join-Path $env:APPDATA 'Microsoft\Excel\XLSTART'

$ScriptDir        = Split-Path -Parent $MyInvocation.MyCommand.Path
$RepoRoot         = Split-Path -Parent $ScriptDir
$WheelsDir        = Join-Path $ScriptDir 'wheels'
$TargetsFile      = Join-Path $WheelsDir 'targets.txt'

$ProbeCode = 'import sys, struct; print(chr(124).join([chr(88) + chr(80), str(sys.version_info[0]), str(sys.version_info[1]), str(sys.version_info[2]), str(struct.calcsize(chr(80)) * 8), sys.executable]))'

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
$script:StepNo = 0
$script:StepCount = 10

function Write-Step([string]$Text) {
    $script:StepNo++
    Write-Host ''
    Write-Host ("[{0}/{1}] {2}" -f $script:StepNo, $script:StepCount, $Text) -ForegroundColor Cyan
}
function Write-Info([string]$Text) { Write-Host ("    " + $Text) }
function Write-Ok([string]$Text) { Write-Host ("    " + $Text) -ForegroundColor Green }
function Write-Warn([string]$Text) { Write-Host ("    注意：" + $Text) -ForegroundColor Yellow }
function Stop-Install([string]$Text) { throw $Text }

function Invoke-Native {
    # Runs a program, shows its output indented, returns the exit code.  Native
    # stderr must not become a terminating error (Windows PowerShell 5.1).
    param([string]$Exe, [string[]]$Arguments = @())
    $old = $ErrorActionPreference
    $ErrorActionPreference = 'Continue'
    $global:LASTEXITCODE = -1  # no stale exit code if the program cannot start
    try {
        & $Exe @Arguments 2>&1 | ForEach-Object { Write-Host ("      " + $_) }
        return $LASTEXITCODE
    } catch {
        Write-Host ("      " + $_.Exception.Message)
        return -1
    } finally {
        $ErrorActionPreference = $old
    }
}

function Invoke-Capture {
    # Runs a program and returns its exit code and output lines (stdout + stderr).
    param([string]$Exe, [string[]]$Arguments = @())
    $old = $ErrorActionPreference
    $ErrorActionPreference = 'Continue'
    $lines = @()
    $code = -1
    $global:LASTEXITCODE = -1
    try {
        $lines = @(& $Exe @Arguments 2>&1 | ForEach-Object { "$_" })
        $code = $LASTEXITCODE
    } catch {
        $lines = @($_.Exception.Message)
    } finally {
        $ErrorActionPreference = $old
    }
    return New-Object psobject -Property @{ Code = $code; Lines = $lines }
}

function Invoke-Timed {
    # Runs a program with a time limit (xlwings starts Excel through COM, which
    # can hang on a first-run, sign-in or activation dialog).  Returns the exit
    # code, or $null after a time-out.  Start-Process joins the arguments with
    # spaces without quoting them: quote arguments that contain spaces yourself.
    param([string]$Exe, [string[]]$Arguments, [int]$Seconds, [string]$OutFile = '')
    $options = @{ FilePath = $Exe; ArgumentList = $Arguments; NoNewWindow = $true; PassThru = $true }
    if ($OutFile) { $options['RedirectStandardOutput'] = $OutFile }
    try {
        $p = Start-Process @options
    } catch {
        Write-Info $_.Exception.Message
        return -1
    }
    $null = $p.Handle  # keeps the exit code available after WaitForExit
    if (-not $p.WaitForExit($Seconds * 1000)) {
        try { $p.Kill() } catch { }
        return $null
    }
    return $p.ExitCode
}

function Test-StorePath([string]$Path) {
    return ($Path -match '\\WindowsApps\\' -or $Path -match '\\Packages\\PythonSoftwareFoundation')
}

function Get-PythonInfo {
    # Runs the probe; returns $null or an object with Version, Bits, Executable.
    param([string]$Exe, [string[]]$PrefixArgs = @())
    $r = Invoke-Capture $Exe ($PrefixArgs + @('-c', $ProbeCode))
    if ($r.Code -ne 0) { return $null }
    foreach ($line in $r.Lines) {
        $parts = $line.Trim().Split('|')
        if ($parts.Count -ge 6 -and $parts[0] -eq 'XP') {
            return New-Object psobject -Property @{
                Exe        = $Exe
                PrefixArgs = $PrefixArgs
                Version    = [Version]('{0}.{1}.{2}' -f $parts[1], $parts[2], $parts[3])
                Bits       = $parts[4]
                Executable = ($parts[5..($parts.Count - 1)] -join '|')
            }
        }
    }
    return $null
}

function Find-Python {
    $candidates = New-Object System.Collections.ArrayList
    if ($Python) {
        [void]$candidates.Add(@($Python))
    } else {
        # "py -3" is the newest installed 3.x; the explicit versions help when an
        # older Python is the launcher's default.
        [void]$candidates.Add(@('py', '-3'))
        foreach ($v in @($script:Accepted | Sort-Object -Descending)) { [void]$candidates.Add(@('py', "-$v")) }
        foreach ($name in @('python', 'python3')) {
            foreach ($cmd in @(Get-Command $name -CommandType Application -All -ErrorAction SilentlyContinue)) {
                [void]$candidates.Add(@($cmd.Path))
            }
        }
        $patterns = @(
            (Join-Path $env:LOCALAPPDATA 'Programs\Python\Python3*\python.exe'),
            (Join-Path $env:ProgramFiles 'Python3*\python.exe'),
            (Join-Path $env:LOCALAPPDATA 'Python\pythoncore-3*\python.exe')
        )
        foreach ($pattern in $patterns) {
            foreach ($f in @(Get-ChildItem -Path $pattern -ErrorAction SilentlyContinue)) {
                [void]$candidates.Add(@($f.FullName))
            }
        }
    }

    $script:SawStoreAlias = $false
    $storePython = $null
    $tooOld = @()
    $tooNew = @()
    $only32 = @()
    foreach ($c in $candidates) {
        $exe = $c[0]
        $prefix = @()
        if ($c.Count -gt 1) { $prefix = @($c[1..($c.Count - 1)]) }
        $info = Get-PythonInfo $exe $prefix
        if ($null -eq $info) {
            if (Test-StorePath $exe) { $script:SawStoreAlias = $true }
            continue
        }
        $minor = '{0}.{1}' -f $info.Version.Major, $info.Version.Minor
        if ($info.Version -lt $MinPython) {
            $tooOld += ('{0} ({1})' -f $info.Version, $info.Executable)
            continue
        }
        if ($script:Accepted -notcontains $minor) {
            $tooNew += ('{0} ({1})' -f $info.Version, $info.Executable)
            continue
        }
        if ($info.Bits -ne '64') {
            $only32 += ('{0} ({1})' -f $info.Version, $info.Executable)
            continue
        }
        if (Test-StorePath $info.Executable) {
            if ($null -eq $storePython) { $storePython = $info }
            if (-not $AllowStorePython) { continue }
        }
        return $info
    }

    $accepted = ($script:Accepted -join '、')
    $msg = "未找到可用的 Python（需要 64 位的 Python $accepted 之一）。`n" +
           "    请从 https://www.python.org/downloads/windows/ 下载 Python 3.12 的 Windows installer (64-bit)，`n" +
           "    安装时勾选 “Add python.exe to PATH”，装好后重新运行 install.bat；`n" +
           "    或用参数指定解释器：install.bat -Python `"C:\路径\python.exe`"。可与已有的其他版本并存。"
    if ($only32.Count -gt 0) {
        $msg += "`n    找到的是 32 位 Python：" + ($only32 -join '；') +
                "`n    xlperf 需要 64 位 Python（32 位 Python 没有 pandas 的安装包，xlwings 也无法正常导入）。" +
                "`n    请安装 “Windows installer (64-bit)”；32 位的 Office 可以照常使用 64 位的 Python。"
    }
    if ($tooNew.Count -gt 0) {
        $msg += "`n    找到的 Python 版本太新：" + ($tooNew -join '；')
        if ($script:Offline) {
            $msg += "`n    本离线安装包只包含 Python " + $accepted + " 所需的组件（wheels\targets.txt）。" +
                    "`n    请另装 Python 3.12（64 位），或向技术支持索取包含该版本的新安装包；有网络时也可加 -Online 联网安装。"
        } else {
            $msg += "`n    xlperf 的依赖包尚未支持该版本。请另装 Python 3.12（64 位）。"
        }
    }
    if ($tooOld.Count -gt 0) {
        $msg += "`n    找到的 Python 版本过低：" + ($tooOld -join '；')
    }
    if ($null -ne $storePython) {
        $msg += "`n    找到的是 Microsoft Store 版 Python（" + $storePython.Executable + "）。" +
                "`n    它写入 %LOCALAPPDATA% 的文件会被重定向到应用私有目录，Excel 找不到其中的虚拟环境；" +
                "`n    请改装 python.org 版本（或加参数 -AllowStorePython 强行尝试，不推荐）。"
    }
    if ($script:SawStoreAlias) {
        $msg += "`n    检测到 Windows 的“应用执行别名” python.exe（运行时会打开 Microsoft Store），它不是真正的 Python。" +
                "`n    可在 设置 → 应用 → 高级应用设置 → 应用执行别名 中关闭 python.exe / python3.exe。"
    }
    Stop-Install $msg
}

function Get-AnsiEncoding {
    # xlwings' VBA reads xlwings.conf with "Input #" (system ANSI code page, e.g. GBK).
    try {
        $acp = (Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\Nls\CodePage' -Name ACP).ACP
        return [System.Text.Encoding]::GetEncoding([int]$acp)
    } catch {
        return [System.Text.Encoding]::Default
    }
}

function Read-ConfLines([string]$Path, $Encoding) {
    if (Test-Path -LiteralPath $Path) {
        return @([System.IO.File]::ReadAllLines($Path, $Encoding) | Where-Object { $_.Trim() -ne '' })
    }
    return @()
}

function Get-ConfValue([string[]]$Lines, [string]$Key) {
    # xlwings.conf lines look like: "KEY","VALUE"
    foreach ($line in $Lines) {
        if ($line -match '^\s*"([^"]*)"\s*,\s*"(.*)"\s*$') {
            if ($Matches[1] -eq $Key) { return $Matches[2] }
        }
    }
    return $null
}

function Set-ConfValue([string[]]$Lines, [string]$Key, [string]$Value) {
    $result = @()
    foreach ($line in $Lines) {
        if ($line -match '^\s*"([^"]*)"\s*,') {
            if ($Matches[1] -eq $Key) { continue }
        }
        $result += $line
    }
    if ($null -ne $Value) { $result += ('"{0}","{1}"' -f $Key, $Value) }
    return ,$result
}

function Add-ListItem([string]$List, [string]$Item) {
    # Appends $Item to a ;-separated xlwings setting unless it is already there.
    if ([string]::IsNullOrEmpty($List)) { return $Item }
    $items = @($List.Split(';') | ForEach-Object { $_.Trim() } | Where-Object { $_ -ne '' })
    if ($items -contains $Item) { return $List }
    return (($items + $Item) -join ';')
}

function Write-ConfFile([string]$Path, [string[]]$Lines, $Encoding) {
    # Never a BOM: xlwings' VBA reads xlwings.conf with "Input #" in the ANSI code page, so a
    # BOM sticks to the first key and that setting (e.g. INTERPRETER_WIN) is not found. Under
    # the UTF-8 system locale (ACP 65001) GetEncoding returns an encoder that writes one, as
    # Set-Content -Encoding UTF8 does in PowerShell 5: write UTF-8 without a BOM instead.
    if ($Encoding.GetPreamble().Length -gt 0) { $Encoding = New-Object System.Text.UTF8Encoding $false }
    $text = ''
    if ($Lines.Count -gt 0) { $text = ($Lines -join "`r`n") + "`r`n" }
    [System.IO.File]::WriteAllText($Path, $text, $Encoding)
}

function Test-StateHasPrevious($State, [string]$Key) {
    # True when an installation recorded the value $Key had before xlperf (possibly none).
    if ($null -eq $State -or $null -eq $State.confPrevious) { return $false }
    return (@($State.confPrevious.PSObject.Properties | ForEach-Object { $_.Name }) -contains $Key)
}

function Get-FileHashOrNull([string]$Path) {
    if (-not (Test-Path -LiteralPath $Path)) { return $null }
    try { return (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash } catch { return $null }
}

function Wait-ExcelClosed {
    while ($true) {
        $running = @(Get-Process -Name 'EXCEL' -ErrorAction SilentlyContinue)
        if ($running.Count -eq 0) { return }
        if ($NoPrompt) {
            Stop-Install 'Excel 正在运行。请先保存并关闭所有 Excel 窗口，再重新运行安装程序。'
        }
        Write-Warn 'Excel 正在运行。请保存工作并关闭所有 Excel 窗口（任务管理器中不应再有 EXCEL.EXE）。'
        $answer = Read-Host '    关闭 Excel 后按回车继续，输入 q 退出'
        if ($answer -eq 'q') { Stop-Install '已取消安装。' }
    }
}

function Find-First([string[]]$Paths) {
    foreach ($p in $Paths) {
        if ($p -and (Test-Path -LiteralPath $p)) { return $p }
    }
    return $null
}

function Unblock-Quietly([string]$Path) {
    # Files unpacked from a downloaded zip carry the "Mark of the Web"; Office
    # then blocks the add-in's macros.  Copy-Item keeps that mark, so remove it.
    try { Unblock-File -LiteralPath $Path -ErrorAction Stop } catch { }
}

# ---------------------------------------------------------------------------
# Installation
# ---------------------------------------------------------------------------
function Install-Xlperf {
    Write-Host '=====================================================' -ForegroundColor Cyan
    Write-Host ' xlperf 部门整体支出绩效自评 —— 安装程序' -ForegroundColor Cyan
    Write-Host '=====================================================' -ForegroundColor Cyan
    Write-Info ("安装位置：" + $InstallRoot)

    # --- 1 -------------------------------------------------------------------
    Write-Step '检查安装文件和 Excel'
    $wheelDirs = @($ScriptDir, (Join-Path $RepoRoot 'dist'))
    $wheel = $null
    foreach ($d in $wheelDirs) {
        if (-not (Test-Path -LiteralPath $d)) { continue }
        $found = @(Get-ChildItem -LiteralPath $d -Filter $WheelPattern -ErrorAction SilentlyContinue |
                   Sort-Object LastWriteTime -Descending)
        if ($found.Count -gt 0) { $wheel = $found[0]; break }
    }
    if ($null -eq $wheel) {
        Stop-Install ("安装包不完整：在 " + $ScriptDir + " 中找不到 " + $WheelPattern + "（xlperf 的 wheel 文件）。")
    }
    $addinSource = Find-First @((Join-Path $ScriptDir $AddinFile))
    if ($null -eq $addinSource) { Stop-Install ("安装包不完整：找不到 " + $AddinFile + "。") }
    $xlwingsSource = Find-First @((Join-Path $ScriptDir $XlwingsAddinFile))
    if ($null -eq $xlwingsSource) { Stop-Install ("安装包不完整：找不到 " + $XlwingsAddinFile + "。") }
    $udfSource = Find-First @((Join-Path $ScriptDir $UdfFileName),
                              (Join-Path $ScriptDir ('udfs\' + $UdfFileName)),
                              (Join-Path $RepoRoot $RepoUdfRelPath))
    if ($null -eq $udfSource) { Stop-Install ("安装包不完整：找不到 " + $UdfFileName + "。") }
    Write-Info ("xlperf 安装包：" + $wheel.Name)
    Write-Info ("加载项：" + $addinSource + "、" + $xlwingsSource)
    Write-Info ("函数模块：" + $udfSource)

    $officeBits = $null
    try {
        $platform = (Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Office\ClickToRun\Configuration' -Name Platform -ErrorAction Stop).Platform
        if ($platform -eq 'x64') { $officeBits = '64' } elseif ($platform -eq 'x86') { $officeBits = '32' }
        Write-Info ("Office（即点即用版）：" + $officeBits + " 位")
    } catch { }
    $storeExcel = @()
    try { $storeExcel = @(Get-AppxPackage -Name 'Microsoft.Office.Desktop*' -ErrorAction Stop) } catch { }
    if ($storeExcel.Count -gt 0) {
        Write-Warn '检测到 Microsoft Store 版 Office。如“绩效自评”选项卡不出现或按钮无反应，请参阅 安装说明.md 的“常见问题”。'
    }
    if ($env:LOCALAPPDATA -match '[^\u0000-\u007F]') {
        Write-Info '用户目录包含中文等非 ASCII 字符：配置使用 %LOCALAPPDATA% 变量，已作兼容处理。'
    }
    Wait-ExcelClosed
    Write-Ok 'Excel 未在运行。'

    # --- 2 -------------------------------------------------------------------
    $script:Offline = (Test-Path -LiteralPath $WheelsDir) -and -not $Online
    $script:Accepted = $SupportedPython
    if ($script:Offline) {
        if (-not (Test-Path -LiteralPath $TargetsFile)) {
            Stop-Install ("离线安装包不完整：缺少 " + $TargetsFile + "（install/build_bundle.py 生成的安装包中才有）。" +
                          "请向技术支持索取完整的离线安装包；有网络时可加 -Online 联网安装。")
        }
        $script:Accepted = @(Get-Content -LiteralPath $TargetsFile | ForEach-Object { $_.Trim() } |
                             Where-Object { $SupportedPython -contains $_ })
        Write-Info ("离线安装包支持 Python " + ($script:Accepted -join '、') + "（64 位）")
    }
    Write-Step ("查找 64 位 Python（" + ($script:Accepted -join '、') + "）")
    $py = Find-Python
    Write-Ok ("使用 Python {0}（{1} 位）：{2}" -f $py.Version, $py.Bits, $py.Executable)
    if ($officeBits -and $officeBits -ne $py.Bits) {
        Write-Info ("Office 为 {0} 位、Python 为 {1} 位：xlwings 支持这种组合（Python 在独立进程中运行）。" -f $officeBits, $py.Bits)
    }
    if (Test-StorePath $py.Executable) {
        Write-Warn '正在使用 Microsoft Store 版 Python（-AllowStorePython）。'
    }

    # --- 3 -------------------------------------------------------------------
    Write-Step '创建 Python 虚拟环境'
    New-Item -ItemType Directory -Force -Path $InstallRoot | Out-Null
    if ($Clean -and (Test-Path -LiteralPath $VenvDir)) {
        Write-Info '删除旧的虚拟环境（-Clean）……'
        Remove-Item -LiteralPath $VenvDir -Recurse -Force
    }
    if (Test-Path -LiteralPath $VenvPython) {
        $existing = Get-PythonInfo $VenvPython
        $usable = $null -ne $existing -and $existing.Bits -eq '64' -and
                  $script:Accepted -contains ('{0}.{1}' -f $existing.Version.Major, $existing.Version.Minor)
        if (-not $usable) {
            Write-Info '现有虚拟环境不可用（Python 可能已被卸载或升级），重新创建……'
            Remove-Item -LiteralPath $VenvDir -Recurse -Force
        } else {
            Write-Info ("沿用现有虚拟环境（Python " + $existing.Version + "）。")
        }
    }
    if (-not (Test-Path -LiteralPath $VenvPython)) {
        Write-Info ("创建 " + $VenvDir + " ……")
        $code = Invoke-Native $py.Exe ($py.PrefixArgs + @('-m', 'venv', $VenvDir))
        if ($code -ne 0) { Stop-Install ("创建虚拟环境失败（python -m venv 返回 " + $code + "）。") }
    }
    if (-not (Test-Path -LiteralPath $VenvPython)) {
        Stop-Install ("虚拟环境没有出现在 " + $VenvDir + "。如使用的是 Microsoft Store 版 Python，其写入会被重定向，请改装 python.org 版本。")
    }
    Write-Ok ("虚拟环境：" + $VenvDir)

    # --- 4 -------------------------------------------------------------------
    Write-Step '安装 xlperf 及其依赖（pandas、openpyxl、xlwings 等，可能需要几分钟）'
    $pipBase = @('-m', 'pip', 'install', '--upgrade', '--prefer-binary', '--disable-pip-version-check')
    if ($IndexUrl) { $pipBase += @('--index-url', $IndexUrl) }
    if ($Proxy) { $pipBase += @('--proxy', $Proxy) }
    $requirements = @($wheel.FullName, ('xlwings==' + $XlwingsVersion))
    $haveWheels = Test-Path -LiteralPath $WheelsDir
    $offlineFlags = @()
    if ($script:Offline) {
        # Offline: the bundle's wheels only, never the network (no retries against an index that
        # cannot be reached). A missing wheel is reported, not fetched.
        Write-Info ("离线安装：只使用 " + $WheelsDir + "，不连接网络")
        $offlineFlags = @('--no-index', '--find-links', $WheelsDir)
        $code = Invoke-Native $VenvPython ($pipBase + $offlineFlags + $requirements)
        if ($code -ne 0) {
            Stop-Install ("离线安装失败（pip 返回 " + $code + "）：wheels 文件夹中缺少 Python " +
                          ('{0}.{1}' -f $py.Version.Major, $py.Version.Minor) + "（64 位）所需的安装包（见上面 pip 的提示）。" +
                          "请向技术支持索取完整的离线安装包（install/build_bundle.py 生成）；有网络时可加 -Online 联网安装。")
        }
    } else {
        $args2 = $pipBase
        if ($haveWheels) { $args2 += @('--find-links', $WheelsDir) }
        $code = Invoke-Native $VenvPython ($args2 + $requirements)
    }
    if ($code -ne 0) {
        Stop-Install ("pip 安装失败（返回 " + $code + "）。请检查网络；单位有代理时用 -Proxy http://代理地址:端口，" +
                      "或用国内镜像 -IndexUrl https://mirrors.aliyun.com/pypi/simple/ ，或使用带 wheels 文件夹的离线安装包。")
    }
    # Re-install the shipped wheel itself even if the same version is already
    # there (a rebuilt package keeps its version number).
    $code = Invoke-Native $VenvPython (@('-m', 'pip', 'install', '--force-reinstall', '--no-deps', '--disable-pip-version-check') +
                                       $offlineFlags + @($wheel.FullName))
    if ($code -ne 0) { Stop-Install ("安装 " + $wheel.Name + " 失败。") }
    Write-Ok 'Python 包已安装。'

    # --- 5 -------------------------------------------------------------------
    Write-Step ("复制函数模块 " + $UdfFileName)
    New-Item -ItemType Directory -Force -Path $UdfDir | Out-Null
    $udfTarget = Join-Path $UdfDir $UdfFileName
    Copy-Item -LiteralPath $udfSource -Destination $udfTarget -Force
    Unblock-Quietly $udfTarget
    $cache = Join-Path $UdfDir '__pycache__'
    if (Test-Path -LiteralPath $cache) { Remove-Item -LiteralPath $cache -Recurse -Force }
    Write-Ok ("已复制到 " + $udfTarget)

    # --- 6 -------------------------------------------------------------------
    Write-Step ("写入 xlwings 配置 " + $XlwingsConf)
    # A previous installation's record keeps what was there before xlperf.
    $oldState = $null
    if (Test-Path -LiteralPath $StateFile) {
        try { $oldState = Get-Content -LiteralPath $StateFile -Raw -Encoding UTF8 | ConvertFrom-Json } catch { $oldState = $null }
    }
    # What existed before xlperf (a re-install keeps the first installation's record), so that
    # uninstall.ps1 removes only what xlperf created.
    $confDir = Split-Path -Parent $XlwingsConf
    $confCreated = -not (Test-Path -LiteralPath $XlwingsConf)
    $confDirCreated = -not (Test-Path -LiteralPath $confDir)
    if ($null -ne $oldState) {
        if ($oldState.confCreated -eq $true) { $confCreated = $true }
        if ($oldState.confDirCreated -eq $true) { $confDirCreated = $true }
    }
    $enc = Get-AnsiEncoding
    $lines = Read-ConfLines $XlwingsConf $enc
    $own = [ordered]@{ 'INTERPRETER_WIN' = $ConfInterpreter; 'ADD_WORKBOOK_TO_PYTHONPATH' = $ConfAddWorkbook }
    $previous = @{}
    foreach ($k in @('INTERPRETER_WIN', 'UDF MODULES', 'PYTHONPATH', 'ADD_WORKBOOK_TO_PYTHONPATH')) {
        $previous[$k] = Get-ConfValue $lines $k
    }
    foreach ($k in $own.Keys) {
        # a re-install finds its own value: what was there before is in the old record
        if ($previous[$k] -eq $own[$k] -and (Test-StateHasPrevious $oldState $k)) {
            $previous[$k] = $oldState.confPrevious.$k
        }
    }
    if ($previous['INTERPRETER_WIN'] -and $previous['INTERPRETER_WIN'] -ne $ConfInterpreter) {
        Write-Warn ("xlwings 原来的解释器设置 " + $previous['INTERPRETER_WIN'] + " 将被替换（卸载时恢复）。")
    }
    if ($previous['ADD_WORKBOOK_TO_PYTHONPATH'] -and $previous['ADD_WORKBOOK_TO_PYTHONPATH'] -ne $ConfAddWorkbook) {
        Write-Warn ("xlwings 原来的设置 ADD_WORKBOOK_TO_PYTHONPATH = " + $previous['ADD_WORKBOOK_TO_PYTHONPATH'] +
                    " 改为 " + $ConfAddWorkbook + "（工作簿所在文件夹不再加入 Python 路径；卸载时恢复）。")
    }
    $lines = Set-ConfValue $lines 'INTERPRETER_WIN' $ConfInterpreter
    $lines = Set-ConfValue $lines 'UDF MODULES' (Add-ListItem $previous['UDF MODULES'] $UdfModule)
    $lines = Set-ConfValue $lines 'PYTHONPATH' (Add-ListItem $previous['PYTHONPATH'] $ConfPythonPath)
    $lines = Set-ConfValue $lines 'ADD_WORKBOOK_TO_PYTHONPATH' $ConfAddWorkbook
    if (Get-ConfValue $lines 'CONDA PATH') {
        Write-Warn 'xlwings.conf 中设置了 CONDA PATH / CONDA ENV，它们可能影响 xlwings 选项卡的按钮；如有问题请删除这两行。'
    }
    New-Item -ItemType Directory -Force -Path $confDir | Out-Null
    Write-ConfFile $XlwingsConf $lines $enc
    foreach ($line in $lines) { Write-Info $line }

    # --- 7 -------------------------------------------------------------------
    Write-Step ('安装 xlwings 加载项（' + $XlwingsAddinFile + '，只读取本加载项和您自己的 xlwings.conf 中的设置）')
    $sourceHash = Get-FileHashOrNull $xlwingsSource
    $defaultAddin = Join-Path $DefaultXlstart 'xlwings.xlam'
    # An xlwings add-in already in XLSTART (another version, or xlwings' unpatched one, used by another
    # Python project) is replaced by ours, so keep a copy; uninstall.ps1 puts it back.
    $xlwingsPreexisting = Test-Path -LiteralPath $defaultAddin
    $xlwingsBackup = Join-Path $BackupDir 'xlwings.xlam'
    if ($null -ne $oldState -and $oldState.xlwingsAddinPreexisting -eq $false) { $xlwingsPreexisting = $false }
    if (Test-Path -LiteralPath $xlwingsBackup) {
        # a re-install (or a run that stopped half-way): the first backup stays, XLSTART now holds ours
        $xlwingsPreexisting = $true
        Write-Info ("原来的 xlwings 加载项备份仍在 " + $xlwingsBackup + "（卸载时恢复）。")
    } elseif ($xlwingsPreexisting -and $null -ne $sourceHash -and (Get-FileHashOrNull $defaultAddin) -eq $sourceHash) {
        $xlwingsBackup = $null
        Write-Info 'XLSTART 中已有同一 xlwings 加载项，予以保留（卸载时也不删除）。'
    } elseif (-not $xlwingsPreexisting) {
        $xlwingsBackup = $null
    } else {
        New-Item -ItemType Directory -Force -Path $BackupDir | Out-Null
        try {
            Copy-Item -LiteralPath $defaultAddin -Destination $xlwingsBackup -Force
        } catch {
            Stop-Install ("无法备份已有的 xlwings 加载项 " + $defaultAddin + "：" + $_.Exception.Message)
        }
        Write-Warn ("XLSTART 中已有另一个 xlwings 加载项，已备份到 " + $xlwingsBackup +
                    "；安装期间使用 xlperf 提供的 xlwings " + $XlwingsVersion + " 加载项，卸载 xlperf 时恢复原来的文件。")
    }
    # Ask Excel itself for its XLSTART folder (it can be redirected by policy); xlwings starts a hidden
    # Excel through COM, which can hang on a first-run, sign-in or activation dialog: time limit.
    $xlstart = $null
    $outFile = Join-Path $InstallRoot 'xlstart.txt'
    $code2 = Invoke-Timed $VenvPython @('-c', '"from xlwings.cli import get_addin_dir; print(get_addin_dir())"') 180 $outFile
    if ($code2 -eq 0 -and (Test-Path -LiteralPath $outFile)) {
        $candidate = ([System.IO.File]::ReadAllText($outFile, $Utf8)).Trim()
        if ($candidate -and (Test-Path -LiteralPath $candidate)) { $xlstart = $candidate }
    } elseif ($null -eq $code2) {
        Write-Warn '向 Excel 查询 XLSTART 文件夹超时（Excel 可能弹出了登录/激活对话框）。请在任务管理器中结束后台的 EXCEL.EXE。'
    }
    Remove-Item -LiteralPath $outFile -Force -ErrorAction SilentlyContinue
    if (-not $xlstart) {
        $xlstart = $DefaultXlstart
        Write-Warn ("无法从 Excel 读取 XLSTART 文件夹，使用默认位置 " + $xlstart)
    }
    New-Item -ItemType Directory -Force -Path $xlstart | Out-Null
    $xlwingsAddin = Join-Path $xlstart 'xlwings.xlam'
    try {
        Copy-Item -LiteralPath $xlwingsSource -Destination $xlwingsAddin -Force
    } catch {
        Write-Warn ("复制失败：" + $_.Exception.Message)
    }
    $addinInstalled = ($null -ne $sourceHash) -and ((Get-FileHashOrNull $xlwingsAddin) -eq $sourceHash)
    if ($addinInstalled) {
        Unblock-Quietly $xlwingsAddin
        Write-Ok ("xlwings 加载项：" + $xlwingsAddin)
    } else {
        Write-Warn ("xlwings 加载项未能安装（无法写入 " + $xlwingsAddin + "）：xlwings 选项卡（导入函数）" +
                    "将不可用，“绩效自评”选项卡不受影响。")
    }

    # --- 8 -------------------------------------------------------------------
    Write-Step ("安装 " + $AddinFile + "（功能区选项卡“绩效自评”）")
    $addinTarget = Join-Path $xlstart $AddinFile
    try {
        Copy-Item -LiteralPath $addinSource -Destination $addinTarget -Force
    } catch {
        Stop-Install ("无法写入 " + $addinTarget + "：" + $_.Exception.Message + "（Excel 是否仍在运行？）")
    }
    Unblock-Quietly $addinTarget
    Write-Ok ("已安装到 " + $addinTarget)

    $state = New-Object psobject -Property @{
        app                    = $AppName
        installedAt            = (Get-Date).ToString('s')
        wheel                  = $wheel.Name
        python                 = $py.Executable
        xlstartDir             = $xlstart
        addinPath              = $addinTarget
        xlwingsAddinPath       = $xlwingsAddin
        xlwingsAddinPreexisting = $xlwingsPreexisting
        xlwingsAddinInstalled  = $addinInstalled
        xlwingsAddinHash       = $sourceHash
        xlwingsAddinBackup     = $xlwingsBackup
        xlwingsAddinOriginal   = $defaultAddin
        confPrevious           = $previous
        confCreated            = $confCreated
        confDirCreated         = $confDirCreated
    }
    [System.IO.File]::WriteAllText($StateFile, ($state | ConvertTo-Json -Depth 4), $Utf8)

    # --- 9 -------------------------------------------------------------------
    Write-Step '登记 WPS 加载项（仅在已安装 WPS Office 时）'
    if ($NoWps) {
        Write-Info '已跳过（-NoWps）。'
    } else {
        $wpsSource = Join-Path $ScriptDir $WpsDirName
        if (-not (Test-Path -LiteralPath (Join-Path $wpsSource 'ribbon.xml'))) {
            Write-Warn ("安装包中没有 WPS 加载项（" + $wpsSource + "），跳过。")
        } else {
            # python -m xlperf.addins.wps_install: does nothing where WPS is not installed (--if-present);
            # otherwise registers the add-in in %APPDATA%\kingsoft\wps\jsaddons\publish.xml, enables JS
            # add-ins in WPS's oem.ini when writable, starts the local service at login (Startup folder)
            # and records everything in %APPDATA%\xlperf\install-manifest.json for uninstall.ps1.
            $code = Invoke-Native $VenvPython @('-m', $WpsModule, 'install', '--if-present', '--source', $wpsSource,
                                                '--python', $VenvPython)
            if ($code -ne 0) {
                Write-Warn 'WPS 加载项未能登记（见上面的提示）；Excel 部分不受影响。可稍后重新运行 install.bat。'
            }
        }
    }

    # --- 10 ------------------------------------------------------------------
    Write-Step '检查安装结果'
    $oldPath = $env:PYTHONPATH
    $env:PYTHONPATH = $UdfDir
    $r = Invoke-Capture $VenvPython @('-c', ('import xlperf, xlwings, ' + $UdfModule + '; print(xlwings.__version__)'))
    $env:PYTHONPATH = $oldPath
    if ($r.Code -ne 0) {
        foreach ($line in $r.Lines) { Write-Info $line }
        Stop-Install ("无法导入 " + $UdfModule + "，安装不完整（详见上面的错误信息）。")
    }
    $xlwingsFound = ''
    if ($r.Lines.Count -gt 0) { $xlwingsFound = $r.Lines[$r.Lines.Count - 1].Trim() }
    Write-Ok ("xlperf、xlwings " + $xlwingsFound + " 和 " + $UdfModule + " 均可导入。")
    if (-not (Test-Path -LiteralPath $VenvPythonw)) { Write-Warn ("找不到 " + $VenvPythonw) }

    Write-Host ''
    Write-Host '安装完成！' -ForegroundColor Green
    Write-Host '  1. 启动 Excel，打开要校验的工作簿，点击功能区“绩效自评”选项卡 → “一键校验”，'
    Write-Host '     结果写入工作表“校验结果”。'
    Write-Host '  2. 如需在单元格中使用 xlperf 函数：文件 → 选项 → 信任中心 → 信任中心设置 → 宏设置，'
    Write-Host '     勾选“信任对 VBA 工程对象模型的访问”，然后在 xlwings 选项卡点击 Import Functions（导入函数）。'
    Write-Host '  详细说明和常见问题见 安装说明.md；卸载请运行 uninstall.bat。'
}

$exitCode = 0
$transcript = $false
try {
    New-Item -ItemType Directory -Force -Path $InstallRoot | Out-Null
    try { Start-Transcript -Path (Join-Path $InstallRoot 'install.log') -Force | Out-Null; $transcript = $true } catch { }
    Install-Xlperf
} catch {
    Write-Host ''
    Write-Host ('安装失败：' + $_.Exception.Message) -ForegroundColor Red
    Write-Host ('日志：' + (Join-Path $InstallRoot 'install.log'))
    $exitCode = 1
} finally {
    if ($transcript) { try { Stop-Transcript | Out-Null } catch { } }
}
exit $exitCode
