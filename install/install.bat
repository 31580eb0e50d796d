@echo off
rem xlperf installer (budget performance self-evaluation add-in for Excel).
rem Runs install.ps1 from this folder with Windows PowerShell. The execution
rem policy bypass applies to this one PowerShell process only; no system
rem setting is changed and no administrator rights are needed.
rem Extra arguments are passed on, e.g.:  install.bat -Proxy http://proxy:8080
setlocal
set "XLPERF_PS=%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe"
if not exist "%XLPERF_PS%" set "XLPERF_PS=powershell.exe"
"%XLPERF_PS%" -NoLogo -NoProfile -ExecutionPolicy Bypass -File "%~dp0install.ps1" %*
set "XLPERF_RC=%ERRORLEVEL%"
echo.
if not "%XLPERF_NO_PAUSE%"=="1" pause
exit /b %XLPERF_RC%
