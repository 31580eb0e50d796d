<#
.SYNOPSIS
    xlperf 卸载程序：撤销 install.ps1 所做的全部更改。

.DESCRIPTION
    1. removes xlperf.xlam from Excel's XLSTART folder
    2. removes the xlwings add-in (xlwings.xlam) from XLSTART - unless it was
       there before xlperf was installed, or -KeepXlwingsAddin is given
    3. removes the xlperf entries from %USERPROFILE%\.xlwings\xlwings.conf and
       restores the interpreter setting that was there before
    4. deletes %LOCALAPPDATA%\xlperf (virtual environment, xlperf_udfs.py, logs)
    Python itself and the user's workbooks are not touched.

.PARAMETER KeepXlwingsAddin
    Leave the xlwings add-in installed.
.PARAMETER NoPrompt
    Never wait for input (fail instead).
#>
[CmdletBinding()]
param(
    [switch]$KeepXlwingsAddin,
    [switch]$NoPrompt
)

$ErrorActionPreference = 'Stop'
$Utf8 = New-Object System.Text.UTF8Encoding $false
try { [Console]::OutputEncoding = $Utf8 } catch { }
$OutputEncoding = $Utf8

# Same names as install.ps1 (tests/test_install.py checks both).
$UdfModule        = 'xlperf_udfs'
$AddinFile        = 'xlperf.xlam'
$InstallRoot      = Join-Path $env:LOCALAPPDATA 'xlperf'
$VenvDir          = Join-Path $InstallRoot 'venv'
$StateFile        = Join-Path $InstallRoot 'install-state.json'
$ConfInterpreter  = '%LOCALAPPDATA%\xlperf\venv\Scripts\pythonw.exe'
$ConfPythonPath   = '%LOCALAPPDATA%\xlperf\udfs'
$XlwingsConf      = Join-Path $env:USERPROFILE '.xlwings\xlwings.conf'
$DefaultXlstart   = Join-Path $env:APPDATA 'Microsoft\Excel\XLSTART'

$script:StepNo = 0
$script:StepCount = 4

function Write-Step([string]$Text) {
    $script:StepNo++
    Write-Host ''
    Write-Host ("[{0}/{1}] {2}" -f $script:StepNo, $script:StepCount, $Text) -ForegroundColor Cyan
}
function Write-Info([string]$Text) { Write-Host ("    " + $Text) }
function Write-Ok([string]$Text) { Write-Host ("    " + $Text) -ForegroundColor Green }
function Write-Warn([string]$Text) { Write-Host ("    注意：" + $Text) -ForegroundColor Yellow }
function Stop-Uninstall([string]$Text) { throw $Text }

function Wait-ExcelClosed {
    while ($true) {
        $running = @(Get-Process -Name 'EXCEL' -ErrorAction SilentlyContinue)
        if ($running.Count -eq 0) { return }
        if ($NoPrompt) {
            Stop-Uninstall 'Excel 正在运行。请先保存并关闭所有 Excel 窗口，再重新运行卸载程序。'
        }
        Write-Warn 'Excel 正在运行。请保存工作并关闭所有 Excel 窗口（任务管理器中不应再有 EXCEL.EXE）。'
        $answer = Read-Host '    关闭 Excel 后按回车继续，输入 q 退出'
        if ($answer -eq 'q') { Stop-Uninstall '已取消卸载。' }
    }
}

function Get-AnsiEncoding {
    try {
        $acp = (Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\Nls\CodePage' -Name ACP).ACP
        return [System.Text.Encoding]::GetEncoding([int]$acp)
    } catch {
        return [System.Text.Encoding]::Default
    }
}

function Get-ConfValue([string[]]$Lines, [string]$Key) {
    foreach ($line in $Lines) {
        if ($line -match '^\s*"([^"]*)"\s*,\s*"(.*)"\s*$') {
            if ($Matches[1] -eq $Key) { return $Matches[2] }
        }
    }
    return $null
}

function Remove-ConfValue([string[]]$Lines, [string]$Key) {
    $result = @()
    foreach ($line in $Lines) {
        if ($line -match '^\s*"([^"]*)"\s*,') {
            if ($Matches[1] -eq $Key) { continue }
        }
        $result += $line
    }
    return ,$result
}

function Set-ConfValue([string[]]$Lines, [string]$Key, [string]$Value) {
    $result = Remove-ConfValue $Lines $Key
    $result += ('"{0}","{1}"' -f $Key, $Value)
    return ,$result
}

function Remove-ListItem([string[]]$Lines, [string]$Key, [string]$Item) {
    # Removes $Item from a ;-separated setting; drops the setting when it is empty.
    $value = Get-ConfValue $Lines $Key
    if ($null -eq $value) { return ,$Lines }
    $items = @($value.Split(';') | ForEach-Object { $_.Trim() } | Where-Object { $_ -ne '' -and $_ -ne $Item })
    if ($items.Count -eq 0) { return ,(Remove-ConfValue $Lines $Key) }
    return ,(Set-ConfValue $Lines $Key ($items -join ';'))
}

function Remove-IfExists([string]$Path) {
    if (Test-Path -LiteralPath $Path) {
        try {
            Remove-Item -LiteralPath $Path -Force -Recurse
            Write-Ok ("已删除 " + $Path)
        } catch {
            Write-Warn ("无法删除 " + $Path + "：" + $_.Exception.Message)
            $script:Incomplete = $true
        }
    }
}

function Uninstall-Xlperf {
    Write-Host '=====================================================' -ForegroundColor Cyan
    Write-Host ' xlperf 部门整体支出绩效自评 —— 卸载程序' -ForegroundColor Cyan
    Write-Host '=====================================================' -ForegroundColor Cyan
    $script:Incomplete = $false

    $state = $null
    if (Test-Path -LiteralPath $StateFile) {
        try { $state = Get-Content -LiteralPath $StateFile -Raw -Encoding UTF8 | ConvertFrom-Json } catch { $state = $null }
    }
    $xlstartDirs = @($DefaultXlstart)
    if ($null -ne $state -and $state.xlstartDir -and $state.xlstartDir -ne $DefaultXlstart) {
        $xlstartDirs += $state.xlstartDir
    }

    Wait-ExcelClosed

    # --- 1 -------------------------------------------------------------------
    Write-Step ("删除加载项 " + $AddinFile)
    foreach ($dir in $xlstartDirs) { Remove-IfExists (Join-Path $dir $AddinFile) }

    # --- 2 -------------------------------------------------------------------
    Write-Step '删除 xlwings 加载项（xlwings addin remove）'
    $keep = [bool]$KeepXlwingsAddin
    if ($null -ne $state -and $state.xlwingsAddinPreexisting) {
        Write-Info '安装 xlperf 之前就已有 xlwings 加载项，予以保留。'
        $keep = $true
    }
    if ($keep) {
        Write-Info '保留 xlwings.xlam。'
    } else {
        # Same effect as "xlwings addin remove", without starting Excel.
        foreach ($dir in $xlstartDirs) { Remove-IfExists (Join-Path $dir 'xlwings.xlam') }
    }

    # --- 3 -------------------------------------------------------------------
    Write-Step ("还原 xlwings 配置 " + $XlwingsConf)
    if (Test-Path -LiteralPath $XlwingsConf) {
        $enc = Get-AnsiEncoding
        $lines = @([System.IO.File]::ReadAllLines($XlwingsConf, $enc) | Where-Object { $_.Trim() -ne '' })
        if ((Get-ConfValue $lines 'INTERPRETER_WIN') -eq $ConfInterpreter) {
            $before = $null
            if ($null -ne $state -and $null -ne $state.confPrevious) { $before = $state.confPrevious.'INTERPRETER_WIN' }
            if ($before -and $before -ne $ConfInterpreter) {
                $lines = Set-ConfValue $lines 'INTERPRETER_WIN' $before
                Write-Info ("恢复原来的解释器设置：" + $before)
            } else {
                $lines = Remove-ConfValue $lines 'INTERPRETER_WIN'
            }
        }
        $lines = Remove-ListItem $lines 'UDF MODULES' $UdfModule
        $lines = Remove-ListItem $lines 'PYTHONPATH' $ConfPythonPath
        if ($lines.Count -eq 0) {
            Remove-IfExists $XlwingsConf
        } else {
            [System.IO.File]::WriteAllLines($XlwingsConf, [string[]]$lines, $enc)
            Write-Ok '已从 xlwings.conf 中移除 xlperf 的设置。'
        }
    } else {
        Write-Info '没有 xlwings.conf，无需处理。'
    }

    # --- 4 -------------------------------------------------------------------
    Write-Step ("删除程序文件夹 " + $InstallRoot)
    Remove-IfExists $InstallRoot
    if (Test-Path -LiteralPath $InstallRoot) {
        Write-Warn '部分文件正被占用（可能有 Python 进程仍在运行）。请重启电脑后再运行一次 uninstall.bat。'
        $script:Incomplete = $true
    }

    Write-Host ''
    if ($script:Incomplete) {
        Write-Host '卸载基本完成，但有部分文件未能删除（见上面的提示）。' -ForegroundColor Yellow
    } else {
        Write-Host '卸载完成。Python 本身和您的工作簿均未改动。' -ForegroundColor Green
    }
}

$exitCode = 0
try {
    Uninstall-Xlperf
    if ($script:Incomplete) { $exitCode = 2 }
} catch {
    Write-Host ''
    Write-Host ('卸载失败：' + $_.Exception.Message) -ForegroundColor Red
    $exitCode = 1
}
exit $exitCode
