@echo off
rem xlperf uninstaller: runs uninstall.ps1 from this folder with Windows
rem PowerShell (execution policy bypass for this one process only).
rem Extra arguments are passed on, e.g.:  uninstall.bat -KeepXlwingsAddin
setlocal
set "XLPERF_PS=%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe"
if not exist "%XLPERF_PS%" set "XLPERF_PS=powershell.exe"
"%XLPERF_PS%" -NoLogo -NoProfile -ExecutionPolicy Bypass -File "%~dp0uninstall.ps1" %*
set "XLPERF_RC=%ERRORLEVEL%"
if "%XLPERF_RC%"=="0" goto :done
rem A Group Policy execution policy overrides -ExecutionPolicy Bypass (see install.bat).
"%XLPERF_PS%" -NoLogo -NoProfile -Command "$p = @('MachinePolicy','UserPolicy') | Where-Object { (Get-ExecutionPolicy -Scope $_) -ne 'Undefined' }; if ($p) { Write-Host ''; Write-Host ('The PowerShell execution policy is set by Group Policy (' + ($p -join ', ') + '), which -ExecutionPolicy Bypass cannot override.') -ForegroundColor Yellow; Write-Host 'Ask your IT administrator to sign uninstall.ps1 or to allow it: see the Group Policy part of the installation guide (.md) in this folder.' -ForegroundColor Yellow }"
:done
echo.
if not "%XLPERF_NO_PAUSE%"=="1" pause
exit /b %XLPERF_RC%
