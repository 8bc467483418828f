# cmake -DCLI=path/to/lockstep -DOUT=folder -P completions.cmake: writes the completion scripts of
# bash (lockstep), zsh (_lockstep) and fish (lockstep.fish) into OUT.
file(MAKE_DIRECTORY ${OUT})
foreach(pair "bash;lockstep" "zsh;_lockstep" "fish;lockstep.fish")
  list(GET pair 0 shell)
  list(GET pair 1 name)
  execute_process(COMMAND ${CLI} completion ${shell} OUTPUT_FILE ${OUT}/${name} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${CLI} completion ${shell} failed: ${status}")
  endif()
endforeach()
