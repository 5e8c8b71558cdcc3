// Runs the eventmall Jenkins pipeline under plain Groovy (the Groovy 2.4 line, like
// Jenkins' own) with stub steps, to prove it compiles and to record what each `sh`
// step would really run after Groovy's own string decoding.
//
//   groovy ci/jenkins/harness/run.groovy <repo root> <out dir> <pr|main>
//
// Writes <out dir>/<n>.sh per sh step and prints the stages taken. No step has any
// effect: nothing is installed, called or read from a credential store.
def root = new File(args[0])
def out = new File(args[1]); out.mkdirs()
def mode = args[2]
def env = [HOME: '/home/jenkins', BRANCH_NAME: mode == 'pr' ? 'PR-7' : 'main']
if (mode == 'pr') env.CHANGE_ID = '7'

def n = 0
def shell = null
def binding = new Binding()
binding.setVariable('env', env)
binding.setVariable('scm', [:])
binding.setVariable('node', { String label, Closure body -> println "node(${label})"; body() })
binding.setVariable('stage', { String name, Closure body -> println "stage(${name})"; body() })
binding.setVariable('checkout', { x -> println 'checkout' })
binding.setVariable('properties', { x -> })
binding.setVariable('disableConcurrentBuilds', { -> 'disableConcurrentBuilds' })
binding.setVariable('string', { Map m -> m })
binding.setVariable('withCredentials', { List c, Closure body -> println "withCredentials(${c.collect { it.credentialsId }})"; body() })
binding.setVariable('withEnv', { List e, Closure body -> body() })
binding.setVariable('archiveArtifacts', { Map m -> println "archiveArtifacts(${m.artifacts})" })
binding.setVariable('echo', { String s -> println "echo: ${s}" })
binding.setVariable('sh', { arg ->
    def script = arg instanceof Map ? arg.script : arg
    n++
    new File(out, String.format('%02d.sh', n)).text = script.toString()
    println "sh -> ${n}.sh"
})
binding.setVariable('load', { String path -> shell.evaluate(new File(root, path)) })
// readTrusted returns the file's text (Jenkins: the trusted revision's); the script's own
// evaluate(String) then runs it with this binding.
binding.setVariable('readTrusted', { String path -> println "readTrusted(${path})"; new File(root, path).text })
shell = new GroovyShell(binding)
shell.evaluate(new File(root, 'Jenkinsfile'))
