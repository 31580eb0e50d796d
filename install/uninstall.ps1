<#
.SYNOPSIS
    xlperf 卸载程序：撤销 install.ps1 所做的全部更改。

.DESCRIPTION
    1. removes xlperf.xlam from Excel's XLSTART folder
    2. puts back the xlwings add-in that was in XLSTART before xlperf (install.ps1
       backed it up), or removes the one xlperf installed - unless it was there
       before, was replaced since, or -KeepXlwingsAddin is given
    3. removes the xlperf entries from %USERPROFILE%\.xlwings\xlwings.conf and
       restores the settings that were there before; deletes the file and the
       .xlwings folder only if install.ps1 created them and nothing else is left
    4. removes the WPS add-in registration and its service (python -m xlperf.addins.wps_install uninstall,
       when %APPDATA%\xlperf\install-manifest.json records one), then deletes %LOCALAPPDATA%\xlperf
       (virtual environment, xlperf_udfs.py, logs)
    5. lists what only the user can undo (Excel trust setting, workbooks' references)
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
$VenvPython       = Join-Path $VenvDir 'Scripts\python.exe'
$WpsModule        = 'xlperf.addins.wps_install'
$WpsManifest      = Join-Path $env:APPDATA 'xlperf\install-manifest.json'
$ConfInterpreter  = '%LOCALAPPDATA%\xlperf\venv\Scripts\pythonw.exe'
$ConfPythonPath   = '%LOCALAPPDATA%\xlperf\udfs'
$ConfAddWorkbook  = 'False'
$XlwingsConf      = Join-Path $env:USERPROFILE '.xlwings\xlwings.conf'
$BackupDir        = Join-Path $InstallRoot 'backup'
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

function Write-ConfFile([string]$Path, [string[]]$Lines, $Encoding) {
    # Never a BOM (see install.ps1): xlwings' VBA would read it as part of the first key.
    if ($Encoding.GetPreamble().Length -gt 0) { $Encoding = New-Object System.Text.UTF8Encoding $false }
    $text = ''
    if ($Lines.Count -gt 0) { $text = ($Lines -join "`r`n") + "`r`n" }
    [System.IO.File]::WriteAllText($Path, $text, $Encoding)
}

function Test-StateHasPrevious($State, [string]$Key) {
    if ($null -eq $State -or $null -eq $State.confPrevious) { return $false }
    return (@($State.confPrevious.PSObject.Properties | ForEach-Object { $_.Name }) -contains $Key)
}

function Get-FileHashOrNull([string]$Path) {
    if (-not (Test-Path -LiteralPath $Path)) { return $null }
    try { return (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash } catch { return $null }
}

function Remove-IfOurs([string]$Path, $Hash) {
    # Removes the xlwings add-in only if it is still the file install.ps1 put there.
    if (-not (Test-Path -LiteralPath $Path)) { return }
    if ($Hash -and (Get-FileHashOrNull $Path) -ne $Hash) {
        Write-Info ($Path + " 已被替换为其他版本（不是 xlperf 安装的），予以保留。")
        return
    }
    Remove-IfExists $Path
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
    $script:KeepBackup = $false

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
    Write-Step '还原 xlwings 加载项'
    $ourHash = $null
    $backup = Join-Path $BackupDir 'xlwings.xlam'
    $original = Join-Path $DefaultXlstart 'xlwings.xlam'
    if ($null -ne $state) {
        $ourHash = $state.xlwingsAddinHash
        if ($state.xlwingsAddinBackup) { $backup = [string]$state.xlwingsAddinBackup }
        if ($state.xlwingsAddinOriginal) { $original = [string]$state.xlwingsAddinOriginal }
    }
    if (Test-Path -LiteralPath $backup) {
        # the xlwings add-in of another version that was there before xlperf
        try {
            Copy-Item -LiteralPath $backup -Destination $original -Force
            Write-Ok ("已恢复安装 xlperf 之前的 xlwings 加载项：" + $original)
        } catch {
            Write-Warn ("无法恢复原来的 xlwings 加载项（" + $_.Exception.Message + "）。备份保留在 " + $backup +
                        "，请在关闭 Excel 后手动复制到 " + $original)
            $script:KeepBackup = $true
            $script:Incomplete = $true
        }
        foreach ($dir in $xlstartDirs) {
            $p = Join-Path $dir 'xlwings.xlam'
            if ($p -ne $original) { Remove-IfOurs $p $ourHash }
        }
    } elseif ($KeepXlwingsAddin) {
        Write-Info '保留 xlwings.xlam（-KeepXlwingsAddin）。'
    } elseif ($null -ne $state -and $state.xlwingsAddinPreexisting) {
        Write-Info '安装 xlperf 之前就已有同一版本的 xlwings 加载项，予以保留。'
    } else {
        # Same effect as "xlwings addin remove", without starting Excel.
        foreach ($dir in $xlstartDirs) { Remove-IfOurs (Join-Path $dir 'xlwings.xlam') $ourHash }
    }

    # --- 3 -------------------------------------------------------------------
    Write-Step ("还原 xlwings 配置 " + $XlwingsConf)
    if (Test-Path -LiteralPath $XlwingsConf) {
        $enc = Get-AnsiEncoding
        $lines = @([System.IO.File]::ReadAllLines($XlwingsConf, $enc) | Where-Object { $_.Trim() -ne '' })
        $own = [ordered]@{ 'INTERPRETER_WIN' = $ConfInterpreter; 'ADD_WORKBOOK_TO_PYTHONPATH' = $ConfAddWorkbook }
        foreach ($k in $own.Keys) {
            $recorded = Test-StateHasPrevious $state $k
            # ADD_WORKBOOK_TO_PYTHONPATH is touched only when an installation recorded writing it
            # (older xlperf versions never did); INTERPRETER_WIN's value is unmistakably xlperf's.
            if (-not $recorded -and $k -ne 'INTERPRETER_WIN') { continue }
            if ((Get-ConfValue $lines $k) -ne $own[$k]) { continue }  # changed since: not xlperf's any more
            $before = $null
            if ($recorded) { $before = $state.confPrevious.$k }
            if ($before) {
                $lines = Set-ConfValue $lines $k $before
                Write-Info ("恢复原来的设置：" + $k + " = " + $before)
            } else {
                $lines = Remove-ConfValue $lines $k
            }
        }
        $lines = Remove-ListItem $lines 'UDF MODULES' $UdfModule
        $lines = Remove-ListItem $lines 'PYTHONPATH' $ConfPythonPath
        $created = ($null -eq $state) -or ($state.confCreated -eq $true)
        if ($lines.Count -eq 0 -and $created) {
            Remove-IfExists $XlwingsConf
        } else {
            Write-ConfFile $XlwingsConf $lines $enc
            Write-Ok '已从 xlwings.conf 中移除 xlperf 的设置。'
        }
    } else {
        Write-Info '没有 xlwings.conf，无需处理。'
    }
    $confDir = Split-Path -Parent $XlwingsConf
    if ($null -ne $state -and $state.confDirCreated -eq $true -and (Test-Path -LiteralPath $confDir)) {
        if (@(Get-ChildItem -LiteralPath $confDir -Force -ErrorAction SilentlyContinue).Count -eq 0) {
            Remove-IfExists $confDir
        } else {
            Write-Info ($confDir + " 中还有其他文件，予以保留。")
        }
    }

    # --- 4 -------------------------------------------------------------------
    Write-Step ("删除 WPS 加载项登记和程序文件夹 " + $InstallRoot)
    # The WPS add-in first: its service runs from the venv about to be deleted, and the module that
    # removes exactly what it recorded lives there too.
    if (Test-Path -LiteralPath $WpsManifest) {
        Write-Info '移除 WPS 加载项和本机服务……'
        $code = -1
        if (Test-Path -LiteralPath $VenvPython) {
            $old = $ErrorActionPreference
            $ErrorActionPreference = 'Continue'
            try {
                & $VenvPython -m $WpsModule uninstall 2>&1 | ForEach-Object { Write-Host ("      " + $_) }
                $code = $LASTEXITCODE
            } catch {
                Write-Host ("      " + $_.Exception.Message)
            } finally {
                $ErrorActionPreference = $old
            }
        }
        if ($code -ne 0) {
            Write-Warn ("无法自动移除 WPS 加载项（记录在 " + $WpsManifest + "）：请在 WPS 中停用“绩效自评”加载项，" +
                        "并删除“启动”文件夹中的 xlperf-serve.cmd。")
            $script:Incomplete = $true
        }
    }
    if ($script:KeepBackup) {
        # everything but the backup of the user's own xlwings add-in
        foreach ($item in @(Get-ChildItem -LiteralPath $InstallRoot -Force -ErrorAction SilentlyContinue)) {
            if ($item.FullName -ne $BackupDir) { Remove-IfExists $item.FullName }
        }
    } else {
        Remove-IfExists $InstallRoot
    }
    if (-not $script:KeepBackup -and (Test-Path -LiteralPath $InstallRoot)) {
        Write-Warn '部分文件正被占用（可能有 Python 进程仍在运行）。请重启电脑后再运行一次 uninstall.bat。'
        $script:Incomplete = $true
    }

    Write-Host ''
    if ($script:Incomplete) {
        Write-Host '卸载基本完成，但有部分文件未能删除（见上面的提示）。' -ForegroundColor Yellow
    } else {
        Write-Host '卸载完成。Python 本身和您的工作簿均未改动。' -ForegroundColor Green
    }
    # --- 5: what the uninstaller cannot undo ------------------------------------
    Write-Host ''
    Write-Host '以下几项只能由您手动撤销（如不需要可忽略）：' -ForegroundColor Yellow
    Write-Host '  1. 信任设置：如为使用 xlperf 函数勾选过“信任对 VBA 工程对象模型的访问”'
    Write-Host '     （文件 → 选项 → 信任中心 → 信任中心设置 → 宏设置），且其他程序不需要，请取消勾选。'
    Write-Host '  2. 工作簿中的引用：在工作簿中点过 xlwings 选项卡的 Import Functions（导入函数）的，'
    Write-Host '     该工作簿里留有 VBA 模块 xlwings_udfs 和对 xlwings 的引用：按 Alt+F11 打开 VBA 编辑器，'
    Write-Host '     删除模块 xlwings_udfs，并在“工具 → 引用”中取消 xlwings；使用 xlperf_ 函数的单元格将显示 #NAME?，'
    Write-Host '     请改为数值或公式。'
    Write-Host '  3. 如曾把工作簿所在文件夹加入信任中心的“受信任位置”，可在同一对话框中删除。'
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
